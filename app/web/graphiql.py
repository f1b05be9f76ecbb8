"""The GraphiQL page at `/graphql`: Strawberry's, plus a message when its scripts cannot load.

No maintained pip package ships GraphiQL's browser assets (React, ReactDOM, GraphiQL and its
explorer plugin), so the page stays the one the installed Strawberry renders, whose scripts come
from a public CDN. On a machine that cannot reach that CDN the page would say "Loading..." for
ever; here it says instead that GraphiQL could not load and from which host, that the GraphQL API
itself works, and links to the pages that work offline: `/docs`, `/redoc` and `/dashboard`.

The message appears when, after the page's scripts have run, GraphiQL's global is still missing
(a download refused or failed: what a browser without internet gets at once). A CDN that accepts
the connection and never answers keeps the parser waiting instead; then a timer puts the message
in place of "Loading..." after `SLOW_MS`, if the page has been parsed that far (while a script in
`<head>` is pending, the browser paints nothing until its own network timeout, after which the
message appears as above). If the scripts arrive after all, GraphiQL replaces the message.
"""

from __future__ import annotations

from functools import cache

from strawberry.http.ides import get_graphql_ide_html

SLOW_MS = 10_000
MESSAGE_ID = "graphiql-unavailable"  # id of the element holding the message (as in the scripts)

_STYLE = """<style>
  #graphiql-unavailable { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem;
    margin: 3rem auto; padding: 0 1rem; color: #222; }
  #graphiql-unavailable code { background: #f2f2f2; padding: 0 .25rem; }
</style>"""

# Defines the message and arms the timer; placed first in <head>, before any CDN script. The
# message goes in place of GraphiQL's "Loading..." once that element has been parsed.
_HEAD_SCRIPT = """<script>
  window.graphiqlUnavailable = function () {
    var target = document.getElementById("graphiql");
    if (!target) return;  // not parsed yet: the script at the end of the page calls again
    var box = document.getElementById("graphiql-unavailable");
    if (!box) {
      var hosts = [];
      document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (e) {
        var host = new URL(e.src || e.href, location.href).host;
        if (host !== location.host && hosts.indexOf(host) < 0) hosts.push(host);
      });
      box = document.createElement("div");
      box.id = "graphiql-unavailable";
      box.setAttribute("role", "alert");
      box.innerHTML =
        "<h1>GraphiQL could not load</h1>" +
        "<p>This page loads GraphiQL's scripts from <b>" + (hosts.join(", ") || "another host") +
        "</b>, which this browser cannot reach (offline, or blocked by a firewall).</p>" +
        "<p>The GraphQL API itself works: send queries with <code>POST /graphql</code>, " +
        "e.g. the JSON body " +
        "<code>{&quot;query&quot;: &quot;{ customers { totalCount } }&quot;}</code>.</p>" +
        "<p>These pages work without the internet:</p><ul>" +
        "<li><a href='/docs'>API documentation (Swagger UI)</a></li>" +
        "<li><a href='/redoc'>API documentation (ReDoc)</a></li>" +
        "<li><a href='/dashboard'>Dashboard</a></li></ul>";
    }
    if (box.parentNode !== target) {
      target.replaceChildren(box);
      target.style.display = "block";
      target.style.overflow = "auto";
    }
  };
  window.graphiqlTimer = setTimeout(function () {
    if (typeof window.GraphiQL === "undefined") window.graphiqlUnavailable();
  }, SLOW_MS);
</script>""".replace("SLOW_MS", str(SLOW_MS))

# Runs after Strawberry's scripts, which have loaded, failed or been refused by then.
_TAIL_SCRIPT = """<script>
  (function () {  // a function scope: Strawberry's script declares globals such as `root`
    clearTimeout(window.graphiqlTimer);
    if (typeof window.GraphiQL === "undefined" || typeof window.React === "undefined") {
      window.graphiqlUnavailable();
    } else {  // the CDN answered, perhaps after the timer: GraphiQL renders in its own layout
      var container = document.getElementById("graphiql");
      var late = document.getElementById("graphiql-unavailable");
      if (late) late.remove();
      container.style.display = container.style.overflow = "";
    }
  })();
</script>"""


@cache
def graphiql_html() -> str:
    """Strawberry's GraphiQL page with the message added; ValueError if the page no longer has
    the `<head>` and `</body>` the additions are placed by (a Strawberry upgrade changed it)."""
    page = get_graphql_ide_html("graphiql")
    for marker in ("<head>", "</body>"):
        if page.count(marker) != 1:
            raise ValueError(f"Strawberry's GraphiQL page has not exactly one {marker}")
    page = page.replace("<head>", "<head>\n" + _STYLE + "\n" + _HEAD_SCRIPT, 1)
    return page.replace("</body>", _TAIL_SCRIPT + "\n</body>", 1)
