import { describe, expect, it } from 'vitest';
import { wrapperGoMod } from './build.ts';
import { goComponents } from './components.ts';

const component = (name: string) => {
  const c = goComponents.find((g) => g.name === name);
  if (!c) throw new Error(`no component ${name}`);
  return c;
};

describe('wrapper go.mod', () => {
  it('requires the component, inherits its replaces and excludes, and builds its commands as tools', () => {
    const mod = wrapperGoMod(component('traefik'), {
      Go: '1.26.0',
      Replace: [
        { Old: { Path: 'github.com/abbot/go-http-auth' }, New: { Path: 'github.com/containous/go-http-auth', Version: 'v0.4.1' } },
        { Old: { Path: 'github.com/traefik/traefik/dynamic/ext' }, New: { Path: './pkg/config/dynamic/ext' } },
      ],
      Exclude: [{ Path: 'github.com/tencentcloud/tencentcloud-sdk-go', Version: 'v3.0.83+incompatible' }],
    });
    expect(mod).toContain('go 1.26.0\n');
    expect(mod).toMatch(/^require github\.com\/traefik\/traefik\/v3 v3\.\d+\.\d+$/m);
    expect(mod).toContain('replace github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1\n');
    expect(mod).toContain('replace github.com/traefik/traefik/dynamic/ext => ./ext\n');
    expect(mod).toContain('exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible\n');
    expect(mod).toContain('tool github.com/traefik/traefik/v3/cmd/traefik\n');
  });

  it('maps Kubernetes staging replaces to the published modules of the same release', () => {
    const k8s = component('kubernetes');
    const mod = wrapperGoMod(k8s, { Replace: [{ Old: { Path: 'k8s.io/api' }, New: { Path: './staging/src/k8s.io/api' } }] });
    const minorPatch = k8s.version.replace(/^v1\./, '');
    expect(mod).toContain(`replace k8s.io/api => k8s.io/api v0.${minorPatch}\n`);
    expect(mod).toContain('godebug default=go1.24\n');
  });

  it('refuses a local replace it has no rule for', () => {
    expect(() => wrapperGoMod(component('coredns'), { Replace: [{ Old: { Path: 'x' }, New: { Path: './x' } }] })).toThrow(/no rule for local replace/);
  });
});
