"""The tracker's web app: reply links, the secretariat's console, the chair's view.

`tracker.web.app.create_app` builds it; each area is one small module.
"""
