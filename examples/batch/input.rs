//! The `--events` input: byte ranges read block by block, cut into lines.

use std::fs::File;
use std::io::{self, Read, Seek};

/// The `--events` input: a regular file, which every worker opens to read its own
/// ranges, or the bytes of anything else (a pipe, a terminal), read up front.
pub(crate) enum Input<'a> {
    File { path: &'a str, len: u64 },
    Bytes(Vec<u8>),
}

/// What a worker reads the input through: the file, or the bytes read up front.
pub(crate) trait Source: Read + Seek + Send {}

impl<T: Read + Seek + Send> Source for T {}

impl<'a> Input<'a> {
    pub(crate) fn open(path: &'a str) -> io::Result<Input<'a>> {
        let mut file = File::open(path)?;
        let metadata = file.metadata()?;
        if metadata.is_file() {
            return Ok(Input::File {
                path,
                len: metadata.len(),
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Input::Bytes(bytes))
    }

    pub(crate) fn len(&self) -> u64 {
        match self {
            Input::File { len, .. } => *len,
            Input::Bytes(bytes) => bytes.len() as u64,
        }
    }

    /// A reader of the input for one worker.
    pub(crate) fn source(&self) -> io::Result<Box<dyn Source + '_>> {
        Ok(match self {
            Input::File { path, .. } => Box::new(File::open(path)?),
            Input::Bytes(bytes) => Box::new(io::Cursor::new(bytes.as_slice())),
        })
    }
}

/// How much a worker reads at a time: small enough that a block is still in the
/// core's cache when its lines are scanned and parsed.
pub(crate) const BLOCK_BYTES: usize = 256 * 1024;

/// The lines that start inside one byte range of the input, read block by block into
/// one reused buffer. A line that starts in the range is read to its end, past the
/// range if need be; a line that started before it belongs to the previous range.
pub(crate) struct RangeLines<R> {
    pub(crate) source: R,
    pub(crate) buf: Vec<u8>,
    /// `buf[start..filled]` is read and not yet handed out.
    pub(crate) start: usize,
    pub(crate) filled: usize,
    /// The input offset of `buf[start]`.
    pub(crate) offset: u64,
    /// Where the next range starts.
    pub(crate) end: u64,
    pub(crate) eof: bool,
}

impl<R: Read> RangeLines<R> {
    /// The lines that start in `start..end`; `source` reads the input from `start`
    /// on, or from `start - 1` if `start > 0`, to tell whether a line starts at
    /// `start`. `buf` is a buffer to reuse (its contents do not matter).
    pub(crate) fn new(
        source: R,
        start: u64,
        end: u64,
        mut buf: Vec<u8>,
    ) -> io::Result<RangeLines<R>> {
        buf.resize(buf.len().max(BLOCK_BYTES), 0);
        let mut lines = RangeLines {
            source,
            buf,
            start: 0,
            filled: 0,
            offset: start.saturating_sub(1),
            end,
            eof: false,
        };
        if start > 0 {
            // The rest of the line that holds byte `start - 1`, with its newline.
            lines.next_line()?;
        }
        Ok(lines)
    }

    pub(crate) fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        if self.offset >= self.end {
            return Ok(None);
        }
        // Bytes after `start` known to hold no newline.
        let mut searched = 0;
        loop {
            let line_start = self.start;
            if let Some(i) = find_byte(&self.buf[line_start + searched..self.filled], b'\n') {
                let line_end = line_start + searched + i;
                self.start = line_end + 1;
                self.offset += (self.start - line_start) as u64;
                return Ok(Some(&self.buf[line_start..line_end]));
            }
            searched = self.filled - line_start;
            if self.eof {
                if searched == 0 {
                    return Ok(None);
                }
                self.start = self.filled;
                self.offset += searched as u64;
                return Ok(Some(&self.buf[line_start..self.filled]));
            }
            self.refill()?;
        }
    }

    /// Moves the partial line to the front of the buffer (growing it if the line
    /// fills it) and reads more after it.
    pub(crate) fn refill(&mut self) -> io::Result<()> {
        self.buf.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.start = 0;
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.source.read(&mut self.buf[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            return Ok(());
        }
    }
}

/// The high bit of each byte of `word` that equals `needle`, and no other bit (the
/// SWAR zero-byte test, in its exact form). Looking at eight bytes at a time makes
/// the searches below about 2.5 times as fast as a byte-by-byte loop; splitting
/// lines and scanning them for ids is most of the work here that is not parsing.
pub(crate) fn matches(word: &[u8], needle: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
    let x = word ^ (u64::from(needle) * 0x0101_0101_0101_0101);
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The position of the first `needle` in `hay`.
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    let mut words = hay.chunks_exact(8);
    for (i, word) in (&mut words).enumerate() {
        let found = matches(word, needle);
        if found != 0 {
            return Some(i * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let tail = words.remainder();
    let tail_start = hay.len() - tail.len();
    tail.iter()
        .position(|&b| b == needle)
        .map(|j| tail_start + j)
}

/// The position of the last `needle` in `hay`.
pub(crate) fn rfind_byte(hay: &[u8], needle: u8) -> Option<usize> {
    let mut words = hay.rchunks_exact(8);
    for (i, word) in (&mut words).enumerate() {
        let found = matches(word, needle);
        if found != 0 {
            return Some(hay.len() - (i + 1) * 8 + 7 - found.leading_zeros() as usize / 8);
        }
    }
    words.remainder().iter().rposition(|&b| b == needle)
}
