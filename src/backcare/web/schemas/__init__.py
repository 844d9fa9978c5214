"""The request and response schemas of the web pages and the JSON API, one module per area."""
