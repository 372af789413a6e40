/** `pnpm schema:emit`: writes the SDL the server serves to packages/schema/schema.graphql. */
import fs from 'node:fs';
import path from 'node:path';
import { printRosterSchema } from './print-schema.js';

const target = path.resolve(import.meta.dirname, '../../../schema/schema.graphql');
fs.writeFileSync(target, await printRosterSchema());
console.log(`Wrote ${path.relative(process.cwd(), target)}`);
