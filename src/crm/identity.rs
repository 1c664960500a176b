//! Identity: how a record finds its CRM counterpart, and how account-less users find
//! their account.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::crm::error::CrmError;
use crate::record::Record;
use crate::schema::RecordKind;
use crate::value::Value;

/// How a user record is matched to a CRM Contact.
///
/// | key | HubSpot `idProperty` | risk |
/// | --- | --- | --- |
/// | [`UserId`](ContactKey::UserId) (default) | the unique custom property holding our id (`pulsecheck_user_id` under [`PropertyMap::hubspot`](crate::crm::PropertyMap::hubspot)) | contacts created elsewhere lack it: `batch/update` finds no record for them until they are upserted once; an upsert of a user whose email another contact already has is refused by HubSpot |
/// | [`Email`](ContactKey::Email) | `email` (HubSpot's unique contact email), in `batch/upsert` only | a user who changes email becomes a new contact; users without an email are skipped |
///
/// ```
/// use pulsecheck::crm::ContactKey;
///
/// assert_eq!(ContactKey::default(), ContactKey::UserId);
/// assert_eq!(ContactKey::UserId.property(), "user_id");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContactKey {
    /// The `email` property, trimmed and lowercased ([`normalize_email`]).
    Email,
    /// The user id: the `user_id` property, else the record id, as sent.
    #[default]
    UserId,
}

impl ContactKey {
    /// The property the key is read from.
    pub fn property(self) -> &'static str {
        match self {
            ContactKey::Email => "email",
            ContactKey::UserId => "user_id",
        }
    }
}

/// How an account record is matched to a CRM Company.
///
/// | key | HubSpot `idProperty` | risk |
/// | --- | --- | --- |
/// | [`AccountId`](CompanyKey::AccountId) (default) | the unique custom property holding our id (`pulsecheck_account_id` under [`PropertyMap::hubspot`](crate::crm::PropertyMap::hubspot)) | companies created elsewhere lack it: `batch/update` finds no record for them until they are upserted once |
/// | [`Domain`](CompanyKey::Domain) | none: HubSpot's `domain` is not unique, so HubSpot requests refuse this key ([`CrmError::NonUniqueIdProperty`]) | for Salesforce, an external id field the host defines as unique; two accounts sharing a domain are one record (the second is skipped) |
///
/// ```
/// use pulsecheck::crm::CompanyKey;
///
/// assert_eq!(CompanyKey::default(), CompanyKey::AccountId);
/// assert_eq!(CompanyKey::AccountId.property(), "account_id");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CompanyKey {
    /// The `domain` property, normalized ([`normalize_domain`]).
    Domain,
    /// The account id: the `account_id` property, else the record id, as sent.
    #[default]
    AccountId,
}

impl CompanyKey {
    /// The property the key is read from.
    pub fn property(self) -> &'static str {
        match self {
            CompanyKey::Domain => "domain",
            CompanyKey::AccountId => "account_id",
        }
    }
}

/// Trims and lowercases an email address: `"  Ana@Acme.com "` → `"ana@acme.com"`.
///
/// The whole address is lowercased, local part included: HubSpot and Salesforce both
/// match emails case-insensitively, and two spellings of one mailbox must not become
/// two contacts. No other rewriting (dots, `+tags`) is done, since that is
/// provider-specific.
///
/// ```
/// use pulsecheck::crm::normalize_email;
///
/// assert_eq!(normalize_email("  Ana@Acme.com "), "ana@acme.com");
/// ```
pub fn normalize_email(email: &str) -> String {
    normalize_email_cow(email).into_owned()
}

/// Allocation-free when the address is already normalized: the diff calls this once
/// per record, and most addresses arrive lowercase.
pub(crate) fn normalize_email_cow(email: &str) -> Cow<'_, str> {
    let trimmed = email.trim();
    // Non-ASCII text always goes through `to_lowercase`: titlecase letters such as
    // `ǅ` change under it without being `is_uppercase`.
    if trimmed.is_ascii() && !trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(trimmed.to_lowercase())
    }
}

/// Whether a normalized email can be a key: one `@` with text on both sides, no spaces.
pub(crate) fn is_usable_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// The normalized email as a key, or `None` when it is not usable. One pass over
/// ASCII addresses, allocating only when one needs lowercasing: the diff runs this
/// for every record.
pub(crate) fn email_key(email: &str) -> Option<Cow<'_, str>> {
    let t = email.trim();
    if !t.is_ascii() {
        let lower = t.to_lowercase();
        return is_usable_email(&lower).then_some(Cow::Owned(lower));
    }
    let (mut upper, mut ws, mut ats) = (false, false, 0usize);
    for b in t.bytes() {
        upper |= b.is_ascii_uppercase();
        ws |= b.is_ascii_whitespace();
        ats += usize::from(b == b'@');
    }
    if ws || ats != 1 || t.starts_with('@') || t.ends_with('@') {
        return None;
    }
    Some(if upper {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    })
}

/// Reduces a website, URL, host name or email address to a bare lowercase domain:
/// `"https://www.Acme.COM/path"` → `"acme.com"`.
///
/// Steps: trim; lowercase; drop a `scheme://`; keep what follows the last `@` (so an
/// email address or a `user@host` URL gives its domain); cut at the first `/`, `?` or
/// `#`; drop a `:port`; drop trailing `.`s and leading `www.`s. Subdomains other
/// than `www` are kept (`eu.acme.com` stays as is), since they can be distinct
/// companies. The result is empty when nothing is left.
///
/// ```
/// use pulsecheck::crm::normalize_domain;
///
/// assert_eq!(normalize_domain("https://www.Acme.COM/path"), "acme.com");
/// assert_eq!(normalize_domain("ana@Acme.com"), "acme.com");
/// assert_eq!(normalize_domain("acme.com:8080?x=1"), "acme.com");
/// assert_eq!(normalize_domain("   "), "");
/// ```
pub fn normalize_domain(input: &str) -> String {
    let lower = input.trim().to_lowercase();
    let mut s = lower.as_str();
    if let Some(pos) = s.find("://") {
        s = &s[pos + 3..];
    }
    if let Some(end) = s.find(['/', '?', '#']) {
        s = &s[..end];
    }
    if let Some(pos) = s.rfind('@') {
        s = &s[pos + 1..];
    }
    // Trimming, port and `www.` stripping can expose one another (`"www. acme.com:80."`),
    // so repeat until nothing changes; that also makes the function idempotent.
    loop {
        let mut next = s.trim().trim_end_matches('.');
        if let Some((host, port)) = next.split_once(':')
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
        {
            next = host;
        }
        let next = next.strip_prefix("www.").unwrap_or(next);
        if next.len() == s.len() {
            break;
        }
        s = next;
    }
    s.to_owned()
}

/// The domain part of an email address, normalized; `None` when there is none.
///
/// ```
/// use pulsecheck::crm::email_domain;
///
/// assert_eq!(email_domain(" Ana@Mail.Acme.com").as_deref(), Some("mail.acme.com"));
/// assert_eq!(email_domain("not an email"), None);
/// ```
pub fn email_domain(email: &str) -> Option<String> {
    let email = normalize_email_cow(email);
    if !is_usable_email(&email) {
        return None;
    }
    let (_, domain) = email.rsplit_once('@')?;
    let domain = normalize_domain(domain);
    (!domain.is_empty()).then_some(domain)
}

/// Webmail providers whose domain says nothing about the user's company.
const BUILTIN_FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.de",
    "hotmail.fr",
    "hotmail.it",
    "hotmail.es",
    "live.com",
    "live.co.uk",
    "live.de",
    "live.fr",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.co.jp",
    "yahoo.de",
    "yahoo.fr",
    "yahoo.es",
    "yahoo.it",
    "yahoo.com.br",
    "yahoo.co.in",
    "ymail.com",
    "rocketmail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "aim.com",
    "proton.me",
    "protonmail.com",
    "protonmail.ch",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "mail.com",
    "email.com",
    "yandex.ru",
    "yandex.com",
    "ya.ru",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "rambler.ru",
    "zoho.com",
    "zohomail.com",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "yeah.net",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "web.de",
    "t-online.de",
    "freenet.de",
    "free.fr",
    "orange.fr",
    "wanadoo.fr",
    "laposte.net",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "alice.it",
    "tiscali.it",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "onet.pl",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "optonline.net",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "bigpond.com",
    "optusnet.com.au",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "rediffmail.com",
    "hey.com",
    "fastmail.com",
    "fastmail.fm",
    "tutanota.com",
    "tuta.io",
    "hushmail.com",
    "mailbox.org",
    "posteo.de",
    "inbox.com",
    "lycos.com",
];

/// The set of free-mail domains: the built-in list, which the host can extend.
///
/// ```
/// use pulsecheck::crm::FreeMailDomains;
///
/// let free = FreeMailDomains::builtin().with("Example-Webmail.com");
/// assert!(free.contains("gmail.com"));
/// assert!(free.contains("example-webmail.com"));
/// assert!(!free.contains("acme.com"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FreeMailDomains {
    domains: HashSet<String>,
}

impl Default for FreeMailDomains {
    fn default() -> Self {
        FreeMailDomains::builtin()
    }
}

impl FreeMailDomains {
    /// The built-in list (Gmail, Outlook/Hotmail/Live, Yahoo, iCloud, AOL, Proton, GMX,
    /// Yandex, Zoho, QQ/163/126, web.de, free.fr, orange.fr, HEY, Fastmail and other
    /// common providers).
    pub fn builtin() -> FreeMailDomains {
        FreeMailDomains {
            domains: BUILTIN_FREE_MAIL.iter().map(|d| (*d).to_owned()).collect(),
        }
    }

    /// An empty list (the host supplies every domain).
    pub fn none() -> FreeMailDomains {
        FreeMailDomains {
            domains: HashSet::new(),
        }
    }

    /// Adds a domain (normalized with [`normalize_domain`]).
    #[must_use]
    pub fn with(mut self, domain: &str) -> FreeMailDomains {
        self.insert(domain);
        self
    }

    /// Adds a domain (normalized with [`normalize_domain`]).
    pub fn insert(&mut self, domain: &str) {
        let d = normalize_domain(domain);
        if !d.is_empty() {
            self.domains.insert(d);
        }
    }

    /// Whether a (normalized) domain is a free-mail provider.
    pub fn contains(&self, domain: &str) -> bool {
        self.domains.contains(domain)
    }

    /// How many domains.
    pub fn len(&self) -> usize {
        self.domains.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }
}

impl<S: AsRef<str>> Extend<S> for FreeMailDomains {
    fn extend<I: IntoIterator<Item = S>>(&mut self, iter: I) {
        for d in iter {
            self.insert(d.as_ref());
        }
    }
}

/// The outcome of looking up one email's account.
///
/// ```
/// use pulsecheck::crm::DomainMatch;
///
/// let m = DomainMatch::Matched { account_id: "acme".into() };
/// assert_eq!(m.account_id(), Some("acme"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum DomainMatch {
    /// Exactly one account has the email's domain.
    Matched {
        /// The account id.
        account_id: String,
    },
    /// The domain is a free-mail provider: never matched.
    FreeMail {
        /// The domain.
        domain: String,
    },
    /// No account has the domain.
    NoAccount {
        /// The domain.
        domain: String,
    },
    /// More than one account has the domain: not guessed.
    Ambiguous {
        /// The domain.
        domain: String,
        /// The candidate account ids, sorted.
        account_ids: Vec<String>,
    },
    /// No usable email address.
    NoEmail,
}

impl DomainMatch {
    /// The matched account id, if any.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            DomainMatch::Matched { account_id } => Some(account_id),
            _ => None,
        }
    }
}

/// Matches account-less users to an account by their email's domain.
///
/// Built once from the account records (`account_id` property, else the record id;
/// `domain` property, normalized). A domain shared by several accounts is ambiguous
/// and never matched; free-mail domains are never matched.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::crm::{AccountMatcher, FreeMailDomains};
///
/// let accounts_schema = Arc::new(Schema::new(RecordKind::Account)
///     .with("account_id", PropertyType::String)
///     .with("domain", PropertyType::String));
/// let mut acme = Record::new(accounts_schema, "acme");
/// acme.set("domain", "https://www.acme.com");
///
/// let matcher = AccountMatcher::new(&[acme], FreeMailDomains::builtin());
/// assert_eq!(matcher.lookup("Ana@ACME.com").account_id(), Some("acme"));
/// assert_eq!(matcher.lookup("ana@gmail.com").account_id(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AccountMatcher {
    by_domain: HashMap<String, Vec<String>>,
    free_mail: FreeMailDomains,
}

/// What [`AccountMatcher::apply`] did to a set of users.
///
/// ```
/// use pulsecheck::crm::DomainMatchReport;
///
/// let report = DomainMatchReport::default();
/// assert_eq!(report.matched().len(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct DomainMatchReport {
    matched: Vec<(String, String)>,
    unmatched: Vec<(String, DomainMatch)>,
    already_assigned: usize,
}

impl DomainMatchReport {
    /// `(user id, account id)` for every user given an account.
    pub fn matched(&self) -> &[(String, String)] {
        &self.matched
    }

    /// `(user id, why)` for every account-less user left without one.
    pub fn unmatched(&self) -> &[(String, DomainMatch)] {
        &self.unmatched
    }

    /// Users that already had an account (left untouched).
    pub fn already_assigned(&self) -> usize {
        self.already_assigned
    }
}

fn text_of<'a>(record: &'a Record, property: &str) -> Option<&'a str> {
    match record.get(property) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.as_str()),
        _ => None,
    }
}

impl AccountMatcher {
    /// Indexes the accounts by normalized domain; accounts without a domain are left out.
    pub fn new(accounts: &[Record], free_mail: FreeMailDomains) -> AccountMatcher {
        let mut by_domain: HashMap<String, Vec<String>> = HashMap::new();
        for account in accounts {
            let Some(domain) = text_of(account, "domain").map(normalize_domain) else {
                continue;
            };
            if domain.is_empty() {
                continue;
            }
            let id = text_of(account, "account_id")
                .unwrap_or(account.id())
                .to_owned();
            let ids = by_domain.entry(domain).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        for ids in by_domain.values_mut() {
            ids.sort();
        }
        AccountMatcher {
            by_domain,
            free_mail,
        }
    }

    /// The account for an email address.
    pub fn lookup(&self, email: &str) -> DomainMatch {
        let Some(domain) = email_domain(email) else {
            return DomainMatch::NoEmail;
        };
        if self.free_mail.contains(&domain) {
            return DomainMatch::FreeMail { domain };
        }
        match self.by_domain.get(&domain).map(Vec::as_slice) {
            Some([one]) => DomainMatch::Matched {
                account_id: one.clone(),
            },
            Some(many) if many.len() > 1 => DomainMatch::Ambiguous {
                domain,
                account_ids: many.to_vec(),
            },
            _ => DomainMatch::NoAccount { domain },
        }
    }

    /// Sets `account_id` on every user whose `account_id` is null (or empty) and whose
    /// email domain matches one account. Users with an account are never changed.
    ///
    /// Errors when the user schema has no `account_id` property (nothing could be set).
    pub fn apply(&self, users: &mut [Record]) -> Result<DomainMatchReport, CrmError> {
        let mut report = DomainMatchReport::default();
        for user in users.iter_mut() {
            if user.kind() != RecordKind::User {
                continue;
            }
            if user.schema().index_of("account_id").is_none() {
                return Err(CrmError::MissingProperty {
                    kind: RecordKind::User,
                    property: "account_id",
                    why: "matching users to accounts by email domain sets it",
                });
            }
            if text_of(user, "account_id").is_some() {
                report.already_assigned += 1;
                continue;
            }
            let outcome = match text_of(user, "email") {
                Some(email) => self.lookup(email),
                None => DomainMatch::NoEmail,
            };
            match outcome {
                DomainMatch::Matched { account_id } => {
                    user.set("account_id", account_id.as_str());
                    report.matched.push((user.id().to_owned(), account_id));
                }
                other => report.unmatched.push((user.id().to_owned(), other)),
            }
        }
        Ok(report)
    }
}
