// The types of src/ come from the schema file of this repository, not from a
// running server: a schema change that breaks an operation below fails
// `npm run check` (and so `make test`) before any server is deployed.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphqls",
  // Every graphql(`…`) call in src/, except the generated code itself.
  documents: ["src/**/*.ts", "!src/gql/**"],
  // A document that the schema refuses, or none at all, fails the run.
  ignoreNoDocuments: false,
  generates: {
    // Generated at check time and ignored by git (see .gitignore).
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // Operations are sent as strings by fetch (src/client.ts), no GraphQL
        // client library needed.
        documentMode: "string",
        useTypeImports: true,
        // Relative imports end in .js, as NodeNext (tsconfig.json) and node need.
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        // treem's own scalars travel as JSON strings (Date: YYYY-MM-DD) or
        // numbers (Int64: amounts in đồng). A scalar added later without an
        // entry here is typed unknown, never any, until it is given one.
        scalars: {
          Date: "string",
          DateTime: "string",
          Int64: "number",
        },
        defaultScalarType: "unknown",
      },
    },
  },
};

export default config;
