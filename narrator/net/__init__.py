"""The network: fetching pages under an SSRF guard, and reading feeds and sitemaps in a bounded child
process. Nothing here knows about articles or audio."""
