// Starts GraphiQL on this server's GraphQL endpoint. A token goes into the
// headers editor as {"Authorization": "Bearer …"}. GraphiQL keeps its state
// (queries, variables that may name a child) in sessionStorage and never
// persists headers, so nothing typed here outlives the tab. It sends no cookie:
// the dashboard's session is for the dashboard, and a request with it would
// need the session's CSRF token; here the caller is the token typed above.
"use strict";
(function () {
  const root = document.getElementById("graphiql");
  const url = new URL(root.dataset.endpoint, window.location.href).href;
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url, fetch: (input, init) => window.fetch(input, { ...init, credentials: "omit" }) }),
      storage: window.sessionStorage,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      inputValueDeprecation: true,
    }),
  );
})();
