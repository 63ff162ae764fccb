import { generateKeyPairSync } from 'node:crypto';
import type { Cluster, User } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { TEST_CERT, TEST_KEY } from '../../agent/testing/tls.ts';
import { InputFileError } from '../input-file.ts';
import { checkCluster, checkUser, materialFiles, serverProblem } from './kubeconfig-check.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const OTHER_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ENCRYPTED_KEY = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const BROKEN_CERT = '-----BEGIN CERTIFICATE-----\nMIIBnjCCAUSgAwIBAgIUS2v\n-----END CERTIFICATE-----\n';

// The files the tests' kubeconfigs name.
const FILES: Record<string, string> = { '/k/ca.crt': TEST_CERT, '/k/me.crt': TEST_CERT, '/k/me.key': TEST_KEY, '/k/garbage': 'not pem at all' };
function read(path: string): Buffer {
  const text = FILES[path];
  if (text === undefined) throw new InputFileError(path, 'does not exist');
  return Buffer.from(text);
}

const cluster = (fields: Partial<Cluster>): Cluster => ({ name: 'c1', server: 'https://10.0.0.1:6443', skipTLSVerify: false, ...fields });
const user = (fields: Partial<User>): User => ({ name: 'u1', ...fields });

describe('serverProblem', () => {
  const allowed = 'it must be an https:// (or http://) URL with a host, such as https://10.0.0.1:6443';
  it.each([
    ['https://10.0.0.1:6443', undefined],
    ['http://127.0.0.1:8080', undefined],
    ['https://[fd00::1]:6443/prefix', undefined],
    ['ftp://127.0.0.1:1', `"ftp://127.0.0.1:1" uses the scheme ftp; ${allowed}`],
    ['unix:///var/run/k8s.sock', `"unix:///var/run/k8s.sock" uses the scheme unix; ${allowed}`],
    ['10.0.0.1:6443', `"10.0.0.1:6443" has no scheme; ${allowed}`],
    ['localhost:6443', `"localhost:6443" has no scheme; ${allowed}`],
    ['https://', `"https://" has no valid host; ${allowed}`],
    ['https:/', `"https:/" has no valid host; ${allowed}`],
    ['https://:6443', `"https://:6443" has no valid host; ${allowed}`],
    ['file:///etc/k8s', `"file:///etc/k8s" uses the scheme file; ${allowed}`],
    ['not a url', `"not a url" has no scheme; ${allowed}`],
    ['https://exa mple:6443', `"https://exa mple:6443" has no valid host; ${allowed}`],
    ['tcp://exa mple', `"tcp://exa mple" is not a URL; ${allowed}`],
    ['', `is empty; ${allowed}`],
  ])('%j', (server, problem) => {
    expect(serverProblem(server)).toBe(problem);
  });
});

describe('checkCluster', () => {
  it.each<[string, Partial<Cluster>, string | undefined, string | undefined]>([
    ['a good CA file', { caFile: '/k/ca.crt' }, undefined, undefined],
    ['good CA data', { caData: b64(TEST_CERT) }, undefined, undefined],
    ['no CA (the system roots)', {}, undefined, undefined],
    [
      'a missing CA file',
      { caFile: '/k/nope.crt' },
      'certificate-authority',
      '/k/nope.crt does not exist; it must name a readable PEM file (or use certificate-authority-data)',
    ],
    [
      'a CA file that is not PEM',
      { caFile: '/k/garbage' },
      'certificate-authority',
      "/k/garbage is not PEM (no -----BEGIN CERTIFICATE----- block); it must hold the PEM certificates of the API server's CA",
    ],
    [
      'CA data that is not PEM',
      { caData: b64('garbage') },
      'certificate-authority-data',
      "is not PEM (no -----BEGIN CERTIFICATE----- block); it must hold the PEM certificates of the API server's CA",
    ],
    ['a CA whose block does not parse', { caData: b64(TEST_CERT + BROKEN_CERT) }, 'certificate-authority-data', 'holds a certificate that does not parse'],
    ['a bad server before the CA', { server: 'ftp://x', caFile: '/k/nope.crt' }, 'server', '"ftp://x" uses the scheme ftp'],
    ['a bad CA with TLS verification off', { caFile: '/k/garbage', skipTLSVerify: true }, undefined, undefined],
  ])('%s', (_name, fields, field, problem) => {
    const found = checkCluster(cluster(fields), read);
    if (field === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject({ entry: 'cluster', field, problem: expect.stringContaining(problem ?? '') });
  });
});

describe('checkUser', () => {
  it.each<[string, Partial<User>, string | undefined, string | undefined]>([
    ['a token', { token: 't' }, undefined, undefined],
    ['a certificate and its key from files', { certFile: '/k/me.crt', keyFile: '/k/me.key' }, undefined, undefined],
    ['a certificate and its key as data', { certData: b64(TEST_CERT), keyData: b64(TEST_KEY) }, undefined, undefined],
    [
      'a key that is not PEM',
      { certData: b64(TEST_CERT), keyData: b64('garbage') },
      'client-key-data',
      'is not PEM (no -----BEGIN ... PRIVATE KEY----- block); it must hold the unencrypted PEM private key of the client certificate',
    ],
    ['a key file that is not PEM', { certFile: '/k/me.crt', keyFile: '/k/garbage' }, 'client-key', '/k/garbage is not PEM'],
    [
      'a certificate that is not PEM',
      { certData: b64('garbage'), keyData: b64(TEST_KEY) },
      'client-certificate-data',
      'is not PEM (no -----BEGIN CERTIFICATE----- block); it must hold a PEM client certificate',
    ],
    [
      'a missing certificate file',
      { certFile: '/k/gone.crt', keyFile: '/k/me.key' },
      'client-certificate',
      '/k/gone.crt does not exist; it must name a readable PEM file (or use client-certificate-data)',
    ],
    [
      'an encrypted key',
      { certData: b64(TEST_CERT), keyData: b64(ENCRYPTED_KEY) },
      'client-key-data',
      'is encrypted; it must be an unencrypted PEM private key',
    ],
    [
      'a key of another certificate',
      { certData: b64(TEST_CERT), keyData: b64(OTHER_KEY) },
      'client-key-data',
      'does not belong to the client-certificate-data (their public keys differ)',
    ],
    ['a certificate without a key', { certData: b64(TEST_CERT) }, 'client-key', 'is missing; a client-certificate needs its client-key'],
    ['a key without a certificate', { keyData: b64(TEST_KEY) }, 'client-certificate', 'is missing; a client-key needs its client-certificate'],
    [
      'a removed auth provider',
      { authProvider: { name: 'gcp', config: { 'cmd-path': '/usr/bin/gcloud' } } },
      'auth-provider',
      '"gcp" was removed from kubectl (1.26) and is not supported; use its exec credential plugin (gke-gcloud-auth-plugin) instead',
    ],
    ['an exec plugin without a command', { exec: { apiVersion: 'client.authentication.k8s.io/v1' } }, 'exec.command', 'is empty'],
    ['an exec plugin that gives the key', { certData: b64(TEST_CERT), exec: { command: 'plugin' } }, undefined, undefined],
  ])('%s', (_name, fields, field, problem) => {
    const found = checkUser(user(fields), read);
    if (field === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject({ entry: 'user', field, problem: expect.stringContaining(problem ?? '') });
  });
});

describe('materialFiles', () => {
  it('lists the CA, client certificate and key files named, not data', () => {
    expect(materialFiles(cluster({ caFile: '/k/ca.crt' }), user({ certFile: '/k/me.crt', keyData: 'x' }))).toEqual(['/k/ca.crt', '/k/me.crt']);
    expect(materialFiles(cluster({}), null)).toEqual([]);
  });
});
