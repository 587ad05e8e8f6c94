"""The browser view (Mesa SolaraViz): ``make viz`` serves ``abm/viz/app.py`` on 127.0.0.1."""
