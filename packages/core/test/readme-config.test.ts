import { describe, it, expect } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, DEFAULTS } from '@dialer/core';

// The README's configuration table is the users' reference: it must name every variable the config reads,
// with the default DEFAULTS really uses.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const rows = readme.split('\n').filter((line) => line.startsWith('| `'));

function rowOf(variable: string): string | undefined {
  return rows.find((row) => row.split('|')[1]?.includes(`\`${variable}\``));
}

describe('README configuration table', () => {
  it.each(CONFIG_VARIABLES.map((v) => [v]))('documents %s', (variable) => {
    expect(rowOf(variable)).toBeDefined();
  });

  it.each(
    Object.entries(DEFAULTS)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [k, v]),
  )('gives %s its real default %s', (variable, value) => {
    expect(rowOf(String(variable))).toContain(`\`${String(value)}\``);
  });
});
