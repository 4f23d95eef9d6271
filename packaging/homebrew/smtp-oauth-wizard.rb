# Homebrew cask, filled in by .github/workflows/release.yml (@VERSION@,
# @DMG_URL@, @DMG_SHA256@) for a tap or homebrew/cask.
cask "smtp-oauth-wizard" do
  version "@VERSION@"
  sha256 "@DMG_SHA256@"

  url "@DMG_URL@"
  name "SMTP OAuth Wizard"
  desc "Set up and check Microsoft 365 SMTP with OAuth 2.0"
  homepage "https://github.com/smtp-oauth-wizard/smtp-oauth-wizard"

  depends_on macos: ">= :catalina"

  app "SMTP OAuth Wizard.app"

  zap trash: [
    "~/Library/Application Support/smtp-oauth-wizard",
  ]
end
