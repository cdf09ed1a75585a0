"""What the portal issues: certificates (PDF, QR token, signature), digital
certificates (X.509, CRL), public announcements and public lists."""
