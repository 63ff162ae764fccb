// `npm run docs:privileges`: writes README.md's privilege table from the suites' manifests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privilegeTable, withPrivilegeTable } from '../cli/privilege-table.ts';
import { discoverSuites, loadSuites, PACKAGE_ROOT } from '../helpers/engine/suites.ts';

const readme = join(PACKAGE_ROOT, 'README.md');
const suites = await loadSuites(discoverSuites());
writeFileSync(readme, withPrivilegeTable(readFileSync(readme, 'utf8'), privilegeTable(suites.map((suite) => suite.manifest))));
console.log(`README.md: the privilege table of ${suites.length} suites`);
