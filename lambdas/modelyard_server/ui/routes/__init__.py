"""The web pages' routes: thin, like the API's (read the person, call the domain, render a template).

Each module binds the modules that load Jinja or domain models through `Deferred`, so a cold start of the API
function pays for none of them until a page is asked for.
"""
