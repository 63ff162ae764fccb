// The manifests' one template rule, shared by every add-on (and kept apart from addons.ts, which
// imports the add-ons: they import this, never addons.ts).

/** Replaces ${NAME} placeholders; a placeholder without a value is a bug, not an empty string. */
export function render(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`manifest placeholder \${${name}} has no value`);
    return v;
  });
}
