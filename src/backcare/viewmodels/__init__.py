"""View models: what the web pages, the terminal and the exports show, built from typed results.

Above the services and below the views, so the web and the command line say the same thing.
"""
