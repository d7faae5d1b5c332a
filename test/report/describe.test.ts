import t from 'tap'
import { skipKind } from '../../lib/report/describe.js'

t.test('skip reasons group by the words before a colon or a parenthesis', async (t) => {
  t.equal(skipKind("bundled: covered by its parent's tarball"), 'bundled')
  t.equal(skipKind('bundled (bundled in parent@1.0.0: its tarball)'), 'bundled', 'the bundler named in parentheses is not part of the kind')
  t.equal(skipKind('git: not a registry package'), 'git')
  t.equal(skipKind('link'), 'link')
  t.equal(skipKind(': odd'), ': odd', 'a reason with no words before the colon stays whole')
  t.equal(skipKind(undefined), 'no reason given')
})
