//! Shape checks for the values a user pastes: GUIDs, domains, addresses, host
//! names. Messages live with the fields in `profile`; these only answer yes/no.

/// `8-4-4-4-12` hexadecimal digits, the form Entra shows.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A DNS name with at least two labels and an alphabetic top-level label,
/// such as `contoso.onmicrosoft.com`.
pub fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && s.len() <= 253
        && labels.iter().all(|l| is_dns_label(l))
        && labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// A URL on this machine: `localhost`, 127.0.0.0/8 or `::1`. Plain http:// is
/// allowed there (a test endpoint), and no proxy is used to reach it.
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A host name for a server: a DNS name (one label allowed, for `localhost`
/// and intranet names), an IPv4 address or an IPv6 address (without the
/// brackets a URL would need). No scheme, port or path.
pub fn is_host(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok() || (!s.is_empty() && s.len() <= 253 && s.split('.').all(is_dns_label))
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// An address Exchange can route: `local@domain`, where the local part has no
/// spaces, angle brackets or control characters (an apostrophe is allowed:
/// `o'brien@contoso.com` is a real mailbox).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, '<' | '>' | '@' | '"' | ',' | ';' | '\\' | '(' | ')' | '[' | ']' | ':')
        })
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && is_domain(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> bool, cases: &[(&str, bool)]) {
        for (input, expected) in cases {
            assert_eq!(f(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn guids() {
        check(
            is_guid,
            &[
                ("0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a", true),
                ("0B8E5D1A-4C3F-4E2A-9D7B-1F2E3D4C5B6A", true),
                ("0b8e5d1a4c3f4e2a9d7b1f2e3d4c5b6a", false),
                ("{0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6a}", false),
                ("0b8e5d1a-4c3f-4e2a-9d7b-1f2e3d4c5b6g", false),
                ("", false),
            ],
        );
    }

    #[test]
    fn domains_and_hosts() {
        check(
            is_domain,
            &[
                ("contoso.onmicrosoft.com", true),
                ("contoso.com", true),
                ("contoso", false),
                ("-contoso.com", false),
                ("contoso.123", false),
                ("https://contoso.com", false),
            ],
        );
        check(
            is_host,
            &[
                ("smtp.office365.com", true),
                ("localhost", true),
                ("127.0.0.1", true),
                ("::1", true),
                ("2001:db8::25", true),
                ("[::1]", false),
                ("smtp.office365.com:587", false),
                ("https://smtp.office365.com", false),
                ("", false),
            ],
        );
    }

    #[test]
    fn emails() {
        check(
            is_email,
            &[
                ("noreply@contoso.com", true),
                ("o'brien@contoso.com", true),
                ("first.last+tag@contoso.onmicrosoft.com", true),
                ("noreply@contoso", false),
                ("no reply@contoso.com", false),
                ("<noreply@contoso.com>", false),
                ("@contoso.com", false),
                ("noreply", false),
            ],
        );
    }
}
