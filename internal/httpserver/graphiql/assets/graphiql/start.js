// Starts GraphiQL on this server's GraphQL endpoint. A token goes into the
// headers editor as {"Authorization": "Bearer …"}. GraphiQL keeps its state
// (queries, variables that may name a child) in sessionStorage and never
// persists headers, so nothing typed here outlives the tab.
"use strict";
(function () {
  const root = document.getElementById("graphiql");
  const url = new URL(root.dataset.endpoint, window.location.href).href;
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url }),
      storage: window.sessionStorage,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      inputValueDeprecation: true,
    }),
  );
})();
