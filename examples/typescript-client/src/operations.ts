// The operations of the example. graphql-codegen reads every graphql(`…`)
// call in src/ and checks it against ../../schema.graphqls: a field the
// schema no longer has fails `npm run check`. Only fields that personal-data
// auditing does not cover are read (no names, birth dates or addresses).
import { graphql } from "./gql/index.js";

/** ChildrenPage is one page of the children of an area, with its paging. */
export const ChildrenPage = graphql(`
  query ChildrenPage($first: Int, $after: String, $filter: ChildFilter) {
    children(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        node {
          id
          sex
          ethnicity
          commune {
            code
            name
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** DistrictRanking compares the 2021 districts on one indicator and period. */
export const DistrictRanking = graphql(`
  query DistrictRanking($indicator: ID!, $period: String!) {
    compareDistricts(indicator: $indicator, period: $period) {
      indicator {
        id
        nameVi
        decimals
      }
      period
      province {
        value
        status
      }
      districts {
        orgUnit {
          code
          name
        }
        value
        rank
        status
      }
    }
  }
`);

/** Districts lists the districts of a province in force on a day. */
export const Districts = graphql(`
  query Districts($province: String!, $asOf: Date) {
    orgUnit(code: $province, asOf: $asOf) {
      name
      children {
        code
        name
        level
      }
    }
  }
`);
