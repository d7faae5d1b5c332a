// test/helpers/postgres.ts: where the binaries are looked for, when a missing server fails, and one
// database per test, isolated and dropped at its teardown.
import t from 'tap'
import { findPostgresBin, freshDatabase, postgresRequired, postgresServer, sql } from './postgres.js'

t.test('the binaries: VERIFY_DEPS_POSTGRES_BIN when set, and the reason when they are missing', async (t) => {
  t.match(findPostgresBin({ VERIFY_DEPS_POSTGRES_BIN: '/nonexistent/bin' }), { missing: 'no initdb in VERIFY_DEPS_POSTGRES_BIN=/nonexistent/bin' })
  t.ok(postgresRequired({ VERIFY_DEPS_REQUIRE_POSTGRES: '1' }))
  t.notOk(postgresRequired({}))
})

const server = await postgresServer()
if ('missing' in server) {
  if (postgresRequired()) t.fail(`VERIFY_DEPS_REQUIRE_POSTGRES=1 but ${server.missing}`)
  else t.comment(`skipped the PostgreSQL tests: ${server.missing}`)
} else {
  const names: string[] = []
  t.test('each test gets its own database', async (t) => {
    const a = await freshDatabase(t, server.url)
    const b = await freshDatabase(t, server.url)
    t.not(a, b)
    await sql(a, 'CREATE TABLE only_in_a (x int)')
    t.same((await sql(b, `SELECT to_regclass('only_in_a') AS t`)).rows, [{ t: null }], 'a table of one is not in the other')
    for (const url of [a, b]) names.push(new URL(url).pathname.slice(1))
  })
  t.test('and it is dropped at its teardown', async (t) => {
    const { rows } = await sql(server.url, 'SELECT datname FROM pg_database WHERE datname = ANY($1)', [names])
    t.same(rows, [])
    t.equal(names.length, 2)
  })
}
