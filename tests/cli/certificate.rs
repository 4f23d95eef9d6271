//! Certificate credentials from the command line: made here or imported,
//! uploaded to the look-alike, used by `check`; a .pfx given on a server
//! without a keychain; and the refusals, each in a sentence.

use crate::{Machine, args, flags};
use lookalike::{CLIENT_ID, Directory, Lookalike, RECIPIENT, SECRET};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/certs").join(name)
}

/// The look-alike's flags for the app `client_id`.
fn flags_for(rig: &Lookalike, client_id: &str) -> Vec<String> {
    flags(rig).into_iter().map(|v| if v == CLIENT_ID { client_id.to_string() } else { v }).collect()
}

fn save(m: &Machine, rig: &Lookalike, name: &str, client_id: &str) {
    let f = flags_for(rig, client_id);
    let mut a: Vec<&str> = vec!["profile", "save", name];
    a.extend(f.iter().map(String::as_str));
    let saved = m.run(&a);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
}

#[test]
fn a_certificate_made_here_signs_in_once_uploaded() {
    lookalike::needs!(Node, Keychain);
    let client_id = lookalike::client_id_for("cli-certificate");
    let rig = Lookalike::start(&Directory::healthy().with_client_id(&client_id));
    let m = Machine::new();
    save(&m, &rig, "contoso", &client_id);
    let cer = m.profiles().join("app.cer");
    let made = m.run_with(&["cert", "create", "--profile", "contoso", "--out", cer.to_str().unwrap()], &[], None);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let thumbprint = made
        .stdout
        .lines()
        .find(|l| l.starts_with("thumbprint"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(thumbprint.len(), 40);
    assert!(made.stderr.contains("now signs in with this certificate"), "{}", made.stderr);
    let shown = m.run_with(&["profile", "show", "contoso", "--json"], &[], None).json();
    assert_eq!(shown["profile"]["credential"], "certificate");
    assert!(!shown.to_string().contains("PRIVATE KEY"), "the profile holds the certificate, never the key");

    // before the upload, Entra's refusal is explained
    let refused = m.run_with(&args(&["token"], &[], &["--profile", "contoso"]), &[], None);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stdout.contains("AADSTS700027") && refused.stdout.contains("Entra ID does not know this certificate"),
        "{}",
        refused.stdout
    );

    rig.upload_certificate(&client_id, &std::fs::read(&cer).unwrap());
    let check = m.run_with(&["check", "--profile", "contoso", "--to", RECIPIENT], &[], None);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(rig.messages().len(), 1);
    for text in [&check.stdout, &check.stderr] {
        assert!(!text.contains("eyJ") && !text.contains("PRIVATE KEY"), "no assertion, no key: {text}");
    }

    // nothing the tool wrote holds the key or an assertion: the profile, its results, the .cer
    let mut files = vec![m.profiles().to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(
            !text.contains("PRIVATE KEY") && !text.contains("eyJ"),
            "{} holds a key or an assertion",
            path.display()
        );
    }

    let status = m.run_with(&["cert", "status", "--profile", "contoso"], &[], None);
    assert!(
        status.stdout.contains(&thumbprint) && status.stdout.contains("stored in the Secret Service"),
        "{}",
        status.stdout
    );

    // the key travels to a server only as a .pfx with a password, and not a short one
    let pfx = m.profiles().join("server.pfx");
    let export = |password: &str| {
        m.run_with(
            &["cert", "export", "--profile", "contoso", "--out", pfx.to_str().unwrap(), "--pfx"],
            &[],
            Some(&format!("{password}\n")),
        )
    };
    let short = export("x");
    assert_eq!(short.code, 2, "{}", short.stderr);
    assert!(short.stderr.contains("at least 12 characters"), "{}", short.stderr);
    assert!(!pfx.exists(), "nothing written with a short password");
    let export = export("pfx-pass-long-enough");
    assert_eq!(export.code, 0, "{}", export.stderr);
    let server = Machine::new();
    let f = flags_for(&rig, &client_id);
    let mut a = args(&["check"], &f, &["--to", RECIPIENT, "--certificate", pfx.to_str().unwrap()]);
    a.push("--secret-stdin");
    let run = server.run_with(&a, &[], Some("pfx-pass-long-enough\n"));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    assert_eq!(m.run_with(&["cert", "delete", "--profile", "contoso"], &[], None).code, 0);
    let gone = m.run_with(&["token", "--profile", "contoso"], &[], None);
    assert_eq!(gone.code, 2);
    assert!(gone.stderr.contains("no certificate key stored for the app"), "{}", gone.stderr);
}

#[test]
fn a_pfx_on_a_server_without_a_keychain() {
    lookalike::needs!(Node);
    let rig = Lookalike::start(&Directory::healthy());
    rig.upload_certificate(CLIENT_ID, &std::fs::read(fixture("app.pem")).unwrap());
    let f = flags(&rig);
    let pfx = fixture("app-3des.pfx");
    let a = args(&["check"], &f, &["--to", RECIPIENT, "--certificate", pfx.to_str().unwrap()]);
    let m = Machine::new();
    let run = m.run_with(&a, &[("SMTP_OAUTH_CERT_PASSWORD", "fixture")], None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(SECRET));

    let wrong = m.run_with(&a, &[("SMTP_OAUTH_CERT_PASSWORD", "not-it")], None);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("the password is wrong"), "{}", wrong.stderr);
    let (md5_file, cert_only, ec_file) = (fixture("app-md5.pfx"), fixture("cert-only.pfx"), fixture("ec.pem"));
    let md5 = args(&["token"], &f, &["--certificate", md5_file.to_str().unwrap()]);
    let old = m.run_with(&md5, &[("SMTP_OAUTH_CERT_PASSWORD", "fixture")], None);
    assert!(old.stderr.contains("export it again with AES-256"), "{}", old.stderr);
    let no_key = args(&["token"], &f, &["--certificate", cert_only.to_str().unwrap()]);
    let none = m.run_with(&no_key, &[("SMTP_OAUTH_CERT_PASSWORD", "fixture")], None);
    assert!(none.stderr.contains("there is no private key in the file"), "{}", none.stderr);
    let ec = args(&["token"], &f, &["--certificate", ec_file.to_str().unwrap()]);
    assert!(m.run_with(&ec, &[], None).stderr.contains("RSA keys only"));
}

#[test]
fn importing_checks_that_the_key_belongs_to_the_certificate() {
    lookalike::needs!(Keychain);
    let m = Machine::new();
    let client_id = lookalike::client_id_for("cli-certificate-import");
    m.run(&["profile", "save", "contoso", "--client-id", &client_id]);
    let import = |key: &str| {
        let (cert, key) = (fixture("app.pem"), fixture(key));
        m.run_with(
            &["cert", "import", "--profile", "contoso", cert.to_str().unwrap(), "--key", key.to_str().unwrap()],
            &[],
            None,
        )
    };
    let mismatch = import("other-key.pem");
    assert_eq!(mismatch.code, 2);
    assert!(mismatch.stderr.contains("the private key does not belong to the certificate"), "{}", mismatch.stderr);
    let ok = import("app-pkcs1-key.pem");
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let pfx = m.run_with(
        &["cert", "import", "--profile", "contoso", fixture("app-aes.pfx").to_str().unwrap()],
        &[("SMTP_OAUTH_CERT_PASSWORD", "fixture")],
        None,
    );
    assert_eq!(pfx.code, 0, "{}", pfx.stderr);
    assert_eq!(m.run_with(&["cert", "delete", "--profile", "contoso"], &[], None).code, 0);
}
