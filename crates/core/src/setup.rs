//! The Entra side done for the admin (`smtp-oauth setup create`): one
//! sign-in, a plan in plain words, then through Microsoft Graph the
//! application with SMTP.SendAsApp, its service principal, the app role
//! assignment that is the admin consent, and the credential, each recorded
//! in the profile as it is made, so a re-run continues where it stopped and
//! `setup remove` deletes exactly what was made here. The Exchange step has
//! no documented REST call and stays the generated script.

use crate::api::{self, ApiError};
use crate::certificate::CertificateCredential;
use crate::credential::CredentialKind;
use crate::graph::{AppRole, EXCHANGE_APP_ID, Graph, GraphError};
use crate::keychain;
use crate::profile::{Created, Profile};
use crate::secret::ClientSecret;
use crate::store::{Expect, ProfileStore};
use std::time::Duration;
use time::OffsetDateTime;

/// The application permission the app is given.
pub const ROLE: &str = crate::claims::SEND_AS_APP;

/// What every application made here is tagged with, followed by a random
/// part of its own (Graph's documented `tags` property): `setup remove`
/// deletes no application that lacks the tag recorded for it.
pub const TAG: &str = "smtp-oauth-wizard";

/// A tag for one new application: [`TAG`], `:`, 128 random bits.
fn new_tag() -> String {
    use rand_core::RngCore;
    let mut bytes = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TAG}:{hex}")
}

/// Whether `app` is the one recorded in `created`, in the tenant signed in to.
fn is_ours(app: &crate::graph::Application, profile: &Profile, created: &Created, tenant: &str) -> bool {
    !created.tag.is_empty()
        && app.app_id.eq_ignore_ascii_case(&profile.client_id)
        && app.tags.iter().any(|t| t == &created.tag)
        && created.tenant.eq_ignore_ascii_case(tenant)
}

/// The delegated permissions the admin's sign-in asks for, the least the
/// steps need (Microsoft Graph permissions reference: `POST /applications`
/// and `POST /servicePrincipals` need Application.ReadWrite.All; the app
/// role assignment AppRoleAssignment.ReadWrite.All with Application.Read.All,
/// which Application.ReadWrite.All includes).
pub const SCOPES: [&str; 2] = ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"];

/// The Entra role that may do every step, consent to an Exchange Online
/// app role included ("Grant tenant-wide admin consent to an application";
/// "Least privileged roles by task").
pub const ROLE_NEEDED: &str = "Cloud Application Administrator";

/// The public client the admin signs in with unless told to use the
/// tenant's own: Microsoft Graph Command Line Tools, Microsoft's app behind
/// Microsoft Graph PowerShell ("Verify first-party Microsoft applications
/// in sign-in reports"). Microsoft does not document its use by other
/// tools, and recommends an app of the tenant's own "to isolate and limit
/// the consent permissions" (`--admin-client-id`).
pub const DEFAULT_ADMIN_CLIENT: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("{0}")]
    Graph(GraphError, String),
    #[error("{0}")]
    Stop(String),
}

impl From<GraphError> for SetupError {
    fn from(e: GraphError) -> SetupError {
        let fix = fix_for(&e);
        SetupError::Graph(e, fix)
    }
}

/// What to do about a Graph refusal, in words.
fn fix_for(e: &GraphError) -> String {
    let says = e.to_string();
    match (e.status(), e.code()) {
        (Some(403), _) => format!(
            "{says}. The account signed in lacks a role for this: {ROLE_NEEDED} (or Application Administrator) can do every step; where the tenant reserves consent to Microsoft's own APIs, Privileged Role Administrator grants it"
        ),
        (Some(400), _) if says.contains("policy") || says.contains("Credential type not allowed") => format!(
            "{says}. The tenant's app management policy blocks client secrets: run again with --credential certificate"
        ),
        _ => says,
    }
}

/// Whether the admin may sign in at the profile's authority: not while an
/// imported profile's own endpoints wait for confirmation (the sign-in page
/// the admin is sent to comes from there: a planted authority would be a
/// phishing page for the admin's password).
pub fn may_sign_in(profile: &Profile) -> Result<(), SetupError> {
    let endpoints = profile.custom_endpoints();
    if profile.endpoints_unconfirmed && !endpoints.is_empty() {
        return Err(ApiError::EndpointsUnconfirmed { name: profile.name.clone(), endpoints }.into());
    }
    Ok(())
}

/// What the admin chose.
#[derive(Debug, Clone)]
pub struct Options {
    /// The application's display name.
    pub app_name: String,
    pub credential: CredentialKind,
    /// A client secret's end (a certificate's is its own: 12 months).
    pub expires: time::Date,
}

/// The plan, in the order it runs: what `--dry-run` prints and the wizard
/// shows before "Do it".
pub fn plan(profile: &Profile, options: &Options) -> Vec<String> {
    let made = profile.created.as_ref();
    let again = |done: bool, words: String| if done { format!("{words} (done already: kept)") } else { words };
    let credential = match options.credential {
        CredentialKind::Certificate => {
            "create a certificate (RSA 2048, 12 months) here, its private key into this computer's keychain, and upload it to the application".to_string()
        }
        CredentialKind::Secret => format!(
            "add a client secret valid until {}, its Value straight into this computer's keychain",
            crate::when::iso_day(options.expires)
        ),
    };
    vec![
        format!(
            "sign in as an administrator of tenant {} ({ROLE_NEEDED}), asking for {}",
            profile.tenant,
            SCOPES.join(" and ")
        ),
        again(
            made.is_some(),
            format!(
                "create the application \"{}\" (this organisation only) with {ROLE} of Office 365 Exchange Online as an application permission",
                options.app_name
            ),
        ),
        again(made.and_then(|c| c.service_principal.as_ref()).is_some(), "create its service principal".into()),
        again(made.and_then(|c| c.consent.as_ref()).is_some(), format!("grant admin consent to {ROLE}")),
        again(made.is_some_and(|c| c.password.is_some() || c.certificate.is_some()), credential),
        format!(
            "then the Exchange step, which Microsoft offers no REST call for: the PowerShell (New-ServicePrincipal, Add-RecipientPermission on {}) with every ID filled in",
            profile.mailbox
        ),
    ]
}

/// Runs the plan as `graph`'s admin, saving the profile `name` in `store`
/// after each step; `on_step` hears each step as it starts or waits.
pub async fn create(
    store: &ProfileStore,
    name: &str,
    graph: &Graph,
    options: &Options,
    now: OffsetDateTime,
    on_step: &(dyn Fn(&str) + Send + Sync),
) -> Result<Profile, SetupError> {
    let mut profile = load(store, name).await?;
    let signed_in = graph.session();
    if !crate::shape::is_guid(&signed_in.tenant_id) {
        return Err(SetupError::Stop(
            "the sign-in did not say which tenant it was in (no tid in the token): nothing was changed".into(),
        ));
    }
    if crate::shape::is_guid(&profile.tenant) && !profile.tenant.eq_ignore_ascii_case(&signed_in.tenant_id) {
        return Err(SetupError::Stop(format!(
            "signed in to tenant {}, not the profile's {}: nothing was changed; sign in with an account of the customer's tenant",
            signed_in.tenant_id, profile.tenant
        )));
    }
    let waited = |what: &str, wait: Duration| {
        on_step(&format!("waiting {} s for Entra to show what was just made ({what})", wait.as_secs()))
    };

    on_step("reading Office 365 Exchange Online's service principal and its SMTP.SendAsApp role");
    let exchange = graph.service_principal(EXCHANGE_APP_ID).await?.ok_or_else(|| {
        SetupError::Stop(
            "this tenant has no service principal for Office 365 Exchange Online: it has no Exchange Online (no licence or subscription), so SMTP cannot be set up here".into(),
        )
    })?;
    let role = send_as_app(&exchange.app_roles).ok_or_else(|| {
        SetupError::Stop(format!("Office 365 Exchange Online offers no application permission {ROLE} in this tenant"))
    })?;

    // The application: the one made before, if it is still there and is
    // the one this tool made (its tag, client ID and tenant).
    let known = match &profile.created {
        Some(c) if !c.tenant.eq_ignore_ascii_case(&signed_in.tenant_id) => {
            return Err(SetupError::Stop(format!(
                "this profile's application was made in tenant {}, not in {} where you signed in: nothing was changed",
                c.tenant, signed_in.tenant_id
            )));
        }
        Some(c) => match graph.application(&c.application).await? {
            Some(app) if is_ours(&app, &profile, c, &signed_in.tenant_id) => Some(app),
            Some(_) => {
                return Err(SetupError::Stop(format!(
                    "the application {} recorded for this profile is not the one this tool made (its tag or client ID differ): nothing was changed",
                    c.application
                )));
            }
            None => None,
        },
        None => None,
    };
    let application = match known {
        Some(app) => app,
        None => {
            on_step(&format!("creating the application \"{}\"", options.app_name));
            let tag = new_tag();
            let app = graph.create_application(&options.app_name, &role.id, &tag).await?;
            profile.client_id = app.app_id.clone();
            profile.tenant = signed_in.tenant_id.clone();
            profile.sp_object_id = None;
            profile.created = Some(Created {
                application: app.id.clone(),
                tenant: signed_in.tenant_id.clone(),
                tag,
                ..Created::default()
            });
            profile = save(store, profile).await?;
            app
        }
    };

    let mut created = profile.created.clone().unwrap_or_default();
    if created.service_principal.is_none() {
        on_step("creating its service principal");
        let sp = match graph.service_principal(&application.app_id).await? {
            Some(sp) => sp,
            None => graph.create_service_principal(&application.app_id, &waited).await?,
        };
        created.service_principal = Some(sp.id.clone());
        profile.sp_object_id = Some(sp.id);
        profile.created = Some(created.clone());
        profile = save(store, profile).await?;
    }
    let service_principal = created.service_principal.clone().unwrap_or_default();

    if created.consent.is_none() {
        on_step(&format!("granting admin consent to {ROLE}"));
        let id = match graph.grant_app_role(&service_principal, &exchange.id, &role.id, &waited).await {
            Ok(id) => id,
            // granted already (a re-run after the answer was lost)
            Err(GraphError::Refused { message, .. }) if message.contains("already exists") => "granted".into(),
            Err(e) => return Err(e.into()),
        };
        created.consent = Some(id);
        profile.created = Some(created.clone());
        profile = save(store, profile).await?;
    }

    let has_credential = match options.credential {
        CredentialKind::Secret => created.password.is_some() && has_secret(&profile).await,
        CredentialKind::Certificate => created.certificate.is_some() && has_secret(&profile).await,
    };
    if !has_credential {
        match options.credential {
            CredentialKind::Secret => {
                on_step("adding a client secret");
                let end = format!("{}T00:00:00Z", crate::when::iso_day(options.expires));
                let password = graph.add_password(&application.id, "smtp-oauth-wizard", &end, &waited).await?;
                let secret = ClientSecret::new(password.secret.expose())
                    .map_err(|e| SetupError::Stop(format!("Graph's new secret is unusable: {e}")))?;
                profile.credential = CredentialKind::Secret;
                profile.certificate = None;
                profile.secret_expires = Some(crate::when::iso_day(options.expires));
                let keep = profile.clone();
                if let Err(e) = blocking(move || keychain::save(&keep, &secret).map_err(ApiError::from)).await {
                    // its Value cannot be shown again: a secret nobody holds
                    // is taken off the application rather than left behind
                    let _ = graph.remove_password(&application.id, &password.key_id).await;
                    return Err(e);
                }
                created.password = Some(password.key_id);
            }
            CredentialKind::Certificate => {
                on_step("creating a certificate and uploading it to the application");
                let ready = profile.clone();
                let certificate: CertificateCredential =
                    blocking(move || api::certificate_create(&ready, 12, now)).await?;
                let der = certificate.certificate.der().to_vec();
                graph.set_certificates(&application.id, &[("smtp-oauth-wizard", &der)], &waited).await?;
                let install = profile.clone();
                let installed = blocking(move || api::certificate_install(&install, &certificate, now)).await?;
                created.certificate = Some(installed.info.thumbprint_sha1.clone());
                profile = installed.profile;
            }
        }
        profile.created = Some(created);
        profile = save(store, profile).await?;
    }
    Ok(profile)
}

/// What `remove` will do, in words; refused when there is nothing this
/// tool made for the profile.
pub fn remove_plan(store: &ProfileStore, profile: &Profile) -> Result<Vec<String>, SetupError> {
    let created = made_here(profile)?;
    let sharing = sharing(store, profile)?;
    if !sharing.is_empty() {
        return Err(SetupError::Stop(format!(
            "other profiles use this app ({}): remove them first, or keep the app",
            sharing.join(", ")
        )));
    }
    Ok(vec![
        format!("sign in as an administrator of tenant {} ({ROLE_NEEDED})", profile.tenant),
        format!(
            "delete the application {} (client ID {}), which this tool created, and with it its service principal and admin consent (Entra keeps it 30 days under Deleted applications)",
            created.application, profile.client_id
        ),
        "remove its secret or certificate key from this computer's keychain".into(),
        "then the Exchange step: the PowerShell that removes the SendAs permission and Exchange's service principal"
            .into(),
    ])
}

/// Deletes the application this tool made for the profile `name` (never
/// another: its client ID and this tool's tag must match), and the
/// credential in the keychain; the profile stays, without `created`.
pub async fn remove(
    store: &ProfileStore,
    name: &str,
    graph: &Graph,
    on_step: &(dyn Fn(&str) + Send + Sync),
) -> Result<Profile, SetupError> {
    let mut profile = load(store, name).await?;
    remove_plan(store, &profile)?;
    let created = made_here(&profile)?.clone();
    let tenant = &graph.session().tenant_id;
    if !created.tenant.eq_ignore_ascii_case(tenant) {
        return Err(SetupError::Stop(format!(
            "this profile's application was made in tenant {}, not in {tenant} where you signed in: nothing was deleted",
            created.tenant
        )));
    }
    match graph.application(&created.application).await? {
        Some(app) if !is_ours(&app, &profile, &created, tenant) => {
            return Err(SetupError::Stop(format!(
                "the application {} is not the one this tool created for this profile (its tag or client ID differ): nothing was deleted",
                created.application
            )));
        }
        Some(app) => {
            on_step(&format!("deleting the application {}", app.id));
            graph.delete_application(&app.id).await?;
        }
        None => on_step("the application is gone already"),
    }
    on_step("removing the credential from this computer's keychain");
    let keyed = profile.clone();
    blocking(move || {
        keychain::delete(&keyed)?;
        keychain::delete_key(&keyed)?;
        Ok(())
    })
    .await?;
    profile.created = None;
    save(store, profile).await
}

fn made_here(profile: &Profile) -> Result<&Created, SetupError> {
    profile.created.as_ref().ok_or_else(|| {
        SetupError::Stop(format!(
            "this tool did not create the app of profile {} (setup create): it deletes nothing it did not make; delete the app registration in the Entra admin center yourself",
            profile.name
        ))
    })
}

/// Other saved profiles of the same app (a copy for another mailbox).
fn sharing(store: &ProfileStore, profile: &Profile) -> Result<Vec<String>, SetupError> {
    let names = store.list().map_err(ApiError::from)?;
    Ok(names
        .into_iter()
        .filter(|n| n != &profile.name)
        .filter(|n| store.load(n).is_ok_and(|p| p.client_id.eq_ignore_ascii_case(&profile.client_id)))
        .collect())
}

/// SMTP.SendAsApp among Exchange Online's app roles, by its value, as an
/// application permission: never a hard-coded ID.
fn send_as_app(roles: &[AppRole]) -> Option<&AppRole> {
    roles.iter().find(|r| {
        r.is_enabled && r.value.as_deref() == Some(ROLE) && r.allowed_member_types.iter().any(|t| t == "Application")
    })
}

async fn has_secret(profile: &Profile) -> bool {
    let p = profile.clone();
    blocking(move || keychain::status(&p, OffsetDateTime::now_utc()).map_err(ApiError::from))
        .await
        .is_ok_and(|s| s.stored)
}

async fn load(store: &ProfileStore, name: &str) -> Result<Profile, SetupError> {
    let (store, name) = (store.clone(), name.to_string());
    blocking(move || store.load(&name).map_err(ApiError::from)).await
}

async fn save(store: &ProfileStore, profile: Profile) -> Result<Profile, SetupError> {
    let store = store.clone();
    blocking(move || Ok(store.save(&profile, Expect::Anything).map_err(ApiError::from)?.profile)).await
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, SetupError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => Ok(result?),
        Err(e) => Err(ApiError::Task(e.to_string()).into()),
    }
}
