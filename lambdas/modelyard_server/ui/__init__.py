"""The registry's web pages (/ui/): server-rendered HTML over the same domain services as the API.

No JavaScript runs on these pages: every control is a link or a form, so the Content-Security-Policy
allows no script at all, and the pages work with the network cut off from everything but the registry.
"""
