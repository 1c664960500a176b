//! The common RFC 3339 timestamp shape, parsed by hand.

/// Milliseconds since the epoch of the common timestamp shape
/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, valid fields only; `None` for anything
/// else (the caller then asks chrono, which also reads the other shapes). For the
/// strings it accepts it gives what chrono's RFC 3339 parser gives.
pub(crate) fn parse_timestamp_ms(b: &[u8], cache: &mut HourCache) -> Option<i64> {
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    // Every byte minus '0': the digits must come out below 10.
    let d = head.map(|c| c.wrapping_sub(b'0'));
    let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
    let hour_key: [u8; 13] = head[..13].try_into().ok()?;
    let hour_start = if hour_key == cache.key {
        cache.seconds
    } else {
        pub(super) const DIGITS: [usize; 10] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12];
        if DIGITS.iter().any(|&i| d[i] > 9) || [head[4], head[7], head[10]] != *b"--T" {
            return None;
        }
        let year = two(0) * 100 + two(2);
        let (month, day, hour) = (two(5), two(8), two(11));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let month_days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > month_days || hour > 23 {
            return None;
        }
        let seconds = days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600);
        *cache = HourCache {
            key: hour_key,
            seconds,
        };
        seconds
    };
    if [d[14], d[15], d[17], d[18]].iter().any(|&x| x > 9) || [head[13], head[16]] != *b"::" {
        return None;
    }
    let (minute, second) = (two(14), two(17));
    // A leap second (:60) goes to chrono.
    if minute > 59 || second > 59 {
        return None;
    }
    let (nanos, zone) = match &b[19..] {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let value = fraction[..n]
                .iter()
                .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
            (value * 10u32.pow(9 - n as u32), &fraction[n..])
        }
        zone => (0, zone),
    };
    let offset_minutes: i64 = match *zone {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(u8::is_ascii_digit) =>
        {
            let h = u32::from((h1 - b'0') * 10 + (h2 - b'0'));
            let m = u32::from((m1 - b'0') * 10 + (m2 - b'0'));
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let seconds = hour_start + i64::from(minute * 60 + second) - offset_minutes * 60;
    Some(seconds * 1000 + i64::from(nanos / 1_000_000))
}

/// The last hour [`parse_timestamp_ms`] validated: its `YYYY-MM-DDTHH` and the
/// UTC second it starts at, before any offset. A stream's timestamps mostly share
/// the hour of the line before, so the date arithmetic is rarely redone.
pub(crate) struct HourCache {
    key: [u8; 13],
    seconds: i64,
}

impl HourCache {
    /// A cache that matches no timestamp (its key holds no separators).
    pub(crate) const fn new() -> HourCache {
        HourCache {
            key: [0; 13],
            seconds: 0,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date of year 0 to 9999 (H.
/// Hinnant's algorithm, shifted by one 400-year era so that all of it is unsigned).
pub(super) fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    pub(super) const ERA_DAYS: i64 = 146_097;
    let y = year + 400 - u32::from(month <= 2);
    let (era, yoe) = (y / 400, y % 400);
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i64::from(era) * ERA_DAYS + i64::from(doe) - 719_468 - ERA_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// With a fresh cache.
    fn ms(s: &str) -> Option<i64> {
        parse_timestamp_ms(s.as_bytes(), &mut HourCache::new())
    }

    fn chrono_ms(s: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
    }

    #[test]
    fn timestamps_match_chrono_at_the_edges() {
        for s in [
            "0000-01-01T00:00:00Z",
            "0000-01-01T00:00:00+23:59",
            "0000-02-29T12:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00-00:00",
            "2000-02-29T23:59:59.123456789Z",
            "2026-10-31T19:04:50.268Z",
            "2026-10-31T20:04:50.2689+01:00",
            "9999-12-31T23:59:59.999999999-23:59",
        ] {
            assert_eq!(ms(s), chrono_ms(s), "{s}");
            assert!(ms(s).is_some(), "{s}");
        }
        // Left to chrono: invalid fields, leap seconds, lowercase, spaces, 10+
        // digits, other offsets.
        for s in [
            "1900-02-29T00:00:00Z",
            "2026-10-31T24:00:00Z",
            "2026-10-31T19:04:50+24:00",
            "2016-12-31T23:59:60Z",
            "2026-10-31t19:04:50Z",
            "2026-10-31 19:04:50Z",
            "2026-10-31T19:04:50.1234567891Z",
            "2026-10-31T19:04:50",
            "2026-10-31T19:04:50+0100",
        ] {
            assert_eq!(ms(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn timestamps_match_chrono(
            y in 0..10_000u32, mo in 0..14u32, d in 0..33u32,
            h in 0..26u32, mi in 0..62u32, sec in 0..62u32,
            frac in proptest::option::of("[0-9]{0,10}"),
            zone in prop_oneof![
                Just("Z".to_owned()),
                (prop_oneof![Just('+'), Just('-')], 0..26u32, 0..62u32)
                    .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            ],
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}{frac}{zone}");
            if let Some(ms) = ms(&s) {
                prop_assert_eq!(Some(ms), chrono_ms(&s), "{}", s);
            }
            // Through a cache that holds the same hour, and one that holds another.
            let mut cache = HourCache::new();
            let _ = parse_timestamp_ms(s.as_bytes(), &mut cache);
            let again = parse_timestamp_ms(s.as_bytes(), &mut cache);
            prop_assert_eq!(again, ms(&s), "{}", s);
            let _ = parse_timestamp_ms(b"2026-10-31T19:04:50Z", &mut cache);
            prop_assert_eq!(parse_timestamp_ms(s.as_bytes(), &mut cache), ms(&s), "{}", s);
        }
    }
}
