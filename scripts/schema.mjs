#!/usr/bin/env node
// The third step of `npm run build`: the JSON Schema of privacyctl.yaml, made from the zod
// schemas that check it, into dist/privacyctl.schema.json (shipped; `privacyctl init` points
// editors at it with a yaml-language-server comment).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../dist/core/config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
writeFileSync(join(root, 'dist', 'privacyctl.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
