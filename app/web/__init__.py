"""The analytics dashboard: a static page at /dashboard that draws charts from the app's own API."""
