import { describe, expect, it } from 'vitest';
import { wrapperGoMod } from './build.ts';
import { flannelComponents, goComponents } from './components.ts';

const component = (name: string) => {
  const c = [...goComponents, ...flannelComponents].find((g) => g.name === name);
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

  it('builds flanneld from the flannel module with no replace of its own but the refused Tencent VPC SDK', () => {
    const mod = wrapperGoMod(component('flannel'), { Go: '1.26.0' });
    expect(mod).toContain('require github.com/flannel-io/flannel v0.28.10\n');
    expect(mod).toContain('replace github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc => ./tencent-vpc\n');
    expect(mod).toContain('tool github.com/flannel-io/flannel\n');
    expect(mod).toContain('tool github.com/flannel-io/flannel/cmd/install_conf\n');
    expect(Object.keys(component('flannel').files ?? {})).toEqual(['tencent-vpc/go.mod', 'tencent-vpc/v20170312/client.go']);
  });

  it('raises an old go directive to one that allows tool directives, and keeps a newer one', () => {
    expect(wrapperGoMod(component('cni-plugins'), { Go: '1.14' })).toContain('go 1.24.0\n');
    expect(wrapperGoMod(component('cni-plugins'), { Go: '1.25.1' })).toContain('go 1.25.1\n');
    expect(wrapperGoMod(component('cni-plugins'), { Go: '1.14' })).toContain('tool github.com/containernetworking/plugins/plugins/meta/flannel\n');
    // Components without minGo keep the dependency's directive as before.
    expect(wrapperGoMod(component('coredns'), { Go: '1.14' })).toContain('go 1.14\n');
  });

  it("builds cert-manager's components from our mains, named under its module path, with a stand-in for the refused Venafi SDK", () => {
    const c = component('cert-manager');
    const mod = wrapperGoMod(c, { Go: '1.26.0' });
    expect(mod).toMatch(/^require github\.com\/cert-manager\/cert-manager v1\.21\.\d+$/m);
    expect(mod).toContain('replace github.com/cert-manager/cert-manager/shakedown => ./shakedown\n');
    expect(mod).toContain('replace github.com/Venafi/vcert/v5 => ./shakedown/vcert\n');
    expect(mod).toContain('tool github.com/cert-manager/cert-manager/shakedown/cmd/cert-manager\n');
    const files = c.files ?? {};
    // Internal packages of cert-manager are importable only from under its module path.
    expect(files['shakedown/go.mod']).toMatch(/^module github\.com\/cert-manager\/cert-manager\/shakedown$/m);
    expect(files['shakedown/vcert/go.mod']).toMatch(/^module github\.com\/Venafi\/vcert\/v5$/m);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'shakedown/cmd/cert-manager/main.go',
        'shakedown/cmd/cert-manager/controller.go',
        'shakedown/cmd/cert-manager/webhook.go',
        'shakedown/cmd/cert-manager/cainjector.go',
      ]),
    );
    expect(c.moduleFiles).toEqual({ crds: 'deploy/crds' });
  });

  it('builds metrics-server v0.8.0, the approved release (v0.9.0 is served but not approved)', () => {
    const mod = wrapperGoMod(component('metrics-server'), { Go: '1.24.4' });
    expect(mod).toContain('require sigs.k8s.io/metrics-server v0.8.0\n');
    expect(mod).toContain('tool sigs.k8s.io/metrics-server/cmd/metrics-server\n');
  });
});
