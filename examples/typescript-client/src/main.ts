// The example's entry point: three typed operations against a running treem.
//
//   TREEM_URL    the GraphQL endpoint (default http://127.0.0.1:8080/graphql)
//   TREEM_TOKEN  a bearer token; an officer's for the children list, e.g.
//                ./treem token --role province_officer --area 75 --ttl 1h
//   TREEM_AREA   the unit whose children are listed (default 731, Biên Hòa)
import { Client, RequestError } from "./client.js";
import type { ChildFilter, ChildrenPageQuery } from "./gql/graphql.js";
import { ChildrenPage, DistrictRanking, Districts } from "./operations.js";

type Child = ChildrenPageQuery["children"]["edges"][number]["node"];

async function main(env: NodeJS.ProcessEnv): Promise<void> {
  const token = env["TREEM_TOKEN"];
  if (!token) throw new Error("TREEM_TOKEN is not set: ./treem token --role province_officer --area 75 --ttl 1h");
  const client = new Client(env["TREEM_URL"] ?? "http://127.0.0.1:8080/graphql", token);

  // 1. Reference data: the districts of 2024 (no role needed).
  const { orgUnit: province } = await client.execute(Districts, { province: "75", asOf: "2024-12-31" });
  if (province === null || province === undefined) throw new Error("no province 75");
  console.log(`${province.name}: ${province.children.length} districts in 2024`);

  // 2. Children under six of one area without a registered birth, two pages of 5.
  const filter: ChildFilter = { orgUnit: env["TREEM_AREA"] ?? "731", ageMax: 5, birthRegistered: false };
  const children: Child[] = [];
  let after: string | null | undefined = null;
  for (let page = 0; page < 2; page++) {
    const { children: list }: ChildrenPageQuery = await client.execute(ChildrenPage, { first: 5, after, filter });
    children.push(...list.edges.map((edge) => edge.node));
    if (page === 0) console.log(`${list.totalCount} children under six without a birth registration in ${filter.orgUnit}`);
    if (!list.pageInfo.hasNextPage) break;
    after = list.pageInfo.endCursor;
  }
  for (const child of children) {
    console.log(`  ${child.id}  ${child.sex}  ${child.ethnicity.padEnd(8)} ${child.commune.name} (${child.commune.code})`);
  }

  // 3. Analytics: the districts ranked on birth registration under five.
  const { compareDistricts: ranking } = await client.execute(DistrictRanking, {
    indicator: "birth_registration_u5",
    period: "2024",
  });
  const digits = ranking.indicator.decimals;
  const show = (value: number | null | undefined, status: string): string =>
    value === null || value === undefined ? status : value.toFixed(digits);
  console.log(`${ranking.indicator.nameVi}, ${ranking.period}: province ${show(ranking.province.value, ranking.province.status)}`);
  for (const district of ranking.districts) {
    console.log(`  ${String(district.rank ?? "–").padStart(2)}. ${district.orgUnit.name}: ${show(district.value, district.status)}`);
  }
}

main(process.env).catch((err: unknown) => {
  if (err instanceof RequestError) console.error(`treem answered ${err.status}: ${err.message}`);
  else console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
