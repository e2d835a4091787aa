#!/usr/bin/env node
// The `samsa` command. In a checkout of the repository it runs the TypeScript sources directly
// (Node 22.18+ strips types), so it is always current; an installed package runs the JavaScript
// built into dist/ (Node refuses to strip types under node_modules).
import { existsSync } from 'node:fs'
import { URL, fileURLToPath } from 'node:url'

const source = new URL('../src/cli/main.ts', import.meta.url)
const installed = fileURLToPath(import.meta.url).includes('/node_modules/')
await import(
  !installed && existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href
)
