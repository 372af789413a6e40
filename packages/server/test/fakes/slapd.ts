import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);

export const SLAPD = process.env.SLAPD_PATH ?? '/usr/sbin/slapd';
const SLAPADD = process.env.SLAPADD_PATH ?? '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

/**
 * Whether the LDAP tests can run: Debian's slapd (apt-get install slapd ldap-utils). Missing locally skips
 * them with a warning; under CI=true it fails the run, because a green run must have talked to a real slapd.
 */
export function slapdAvailable(): boolean {
  if (existsSync(SLAPD) && existsSync(SLAPADD)) return true;
  if (process.env.CI === 'true') throw new Error(`slapd is required in CI but ${SLAPD} is missing (apt-get install slapd ldap-utils).`);
  console.warn(`${SLAPD} is missing; the LDAP tests are skipped (they fail under CI=true).`);
  return false;
}

/**
 * A tiny Active-Directory-shaped schema: AD's own objectGUID, userAccountControl and userPrincipalName
 * attributes (their AD OIDs), an auxiliary class of ours carrying them on inetOrgPerson entries, and AD's
 * `group` class (member may be empty, unlike groupOfNames).
 */
const AD_SCHEMA = `attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.1.1 NAME 'rosterTestAdAccount' AUXILIARY MAY ( objectGUID $ userAccountControl $ userPrincipalName ) )
objectclass ( 1.2.840.113556.1.5.8 NAME 'group' SUP top STRUCTURAL MUST cn MAY ( member $ description $ objectGUID $ mail ) )
`;

export interface TestCertificates {
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  /** PEM of another CA, which signed nothing the server shows (a client trusting only it refuses the server). */
  otherCa: string;
}

export interface SlapdOptions {
  suffix?: string;
  /** LDIF loaded with slapadd before the server starts (after the suffix entry and ou=people / ou=groups). */
  ldif?: string;
}

/**
 * A real OpenLDAP server for tests: its own slapd.conf, schema, database folder and a throwaway test CA and
 * server certificate (for localhost and 127.0.0.1) under a temp dir, listening on free ports for ldap://
 * (StartTLS offered) and ldaps://. The directory is loaded with slapadd before start; tests change it
 * through `admin()` (bound as the root DN). Ready once a bind succeeds; `stop()` ends it and removes the folder.
 */
export class Slapd {
  readonly suffix: string;
  readonly adminDn: string;
  readonly adminPassword = 'admin-secret';
  /** A service account (simple bind) for the connector, as an admin would make one. */
  readonly bindDn: string;
  readonly bindPassword = 'roster-bind-secret';
  url = '';
  ldapsUrl = '';
  certificates: TestCertificates = { ca: '', otherCa: '' };
  private process: ChildProcess | null = null;
  private dir = '';
  private output = '';

  constructor(private readonly options: SlapdOptions = {}) {
    this.suffix = options.suffix ?? 'dc=example,dc=org';
    this.adminDn = `cn=admin,${this.suffix}`;
    this.bindDn = `cn=roster,ou=service,${this.suffix}`;
  }

  get peopleDn(): string {
    return `ou=people,${this.suffix}`;
  }

  get groupsDn(): string {
    return `ou=groups,${this.suffix}`;
  }

  async start(): Promise<this> {
    // The free ports are released before slapd binds them, so another process may take one in between: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        return this;
      } catch (error) {
        // Nothing left behind: no slapd running, no temp folder.
        await this.stop();
        if (attempt >= 3 || !(error instanceof SlapdExited)) throw error;
      }
    }
  }

  private async launch(): Promise<void> {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'roster-slapd-'));
    await mkdir(path.join(this.dir, 'data'));
    this.certificates = await makeCertificates(this.dir);
    const [port, tlsPort] = [await freePort(), await freePort()];
    const conf = path.join(this.dir, 'slapd.conf');
    await writeFile(path.join(this.dir, 'ad.schema'), AD_SCHEMA);
    await writeFile(conf, this.config());
    await writeFile(path.join(this.dir, 'data.ldif'), this.baseLdif() + (this.options.ldif ?? ''));
    await run(SLAPADD, ['-q', '-f', conf, '-l', path.join(this.dir, 'data.ldif')]);
    this.url = `ldap://127.0.0.1:${port}`;
    this.ldapsUrl = `ldaps://127.0.0.1:${tlsPort}`;
    // -d 0 keeps slapd in the foreground (a child we can stop) without debug output.
    const child = spawn(SLAPD, ['-f', conf, '-h', `${this.url}/ ${this.ldapsUrl}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await this.waitUntilReady(child);
  }

  /** A client bound as the root DN, to change the directory between syncs; unbind it after use. */
  async admin(): Promise<Client> {
    const client = new Client({ url: this.url, connectTimeout: 5000, timeout: 10_000 });
    await client.bind(this.adminDn, this.adminPassword);
    return client;
  }

  /** Runs `change` with an admin client, then unbinds. */
  async change(change: (client: Client) => Promise<unknown>): Promise<void> {
    const client = await this.admin();
    try {
      await change(client);
    } finally {
      await client.unbind();
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = '';
  }

  private async waitUntilReady(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new SlapdExited(`slapd exited (${child.exitCode ?? child.signalCode}): ${this.output.slice(-2000)}`);
      const client = new Client({ url: this.url, connectTimeout: 1000, timeout: 2000 });
      try {
        await client.bind(this.adminDn, this.adminPassword);
        await client.unbind();
        return;
      } catch (error) {
        await client.unbind().catch(() => {});
        if (Date.now() > deadline) throw new Error(`slapd did not answer a bind within 20 s: ${(error as Error).message} ${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private config(): string {
    const file = (name: string) => path.join(this.dir, name);
    return `include ${SCHEMA_DIR}/core.schema
include ${SCHEMA_DIR}/cosine.schema
include ${SCHEMA_DIR}/inetorgperson.schema
include ${file('ad.schema')}
modulepath ${MODULE_DIR}
moduleload back_mdb
pidfile ${file('slapd.pid')}
argsfile ${file('slapd.args')}
TLSCACertificateFile ${file('ca.crt')}
TLSCertificateFile ${file('server.crt')}
TLSCertificateKeyFile ${file('server.key')}
sizelimit unlimited
disallow bind_anon
database mdb
maxsize 104857600
suffix "${this.suffix}"
rootdn "${this.adminDn}"
rootpw ${this.adminPassword}
directory ${file('data')}
index objectClass eq
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
`;
  }

  private baseLdif(): string {
    const dc = /^dc=([^,]+)/.exec(this.suffix)?.[1] ?? 'example';
    return `dn: ${this.suffix}
objectClass: dcObject
objectClass: organization
o: ${dc}
dc: ${dc}

dn: ou=people,${this.suffix}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${this.suffix}
objectClass: organizationalUnit
ou: groups

dn: ou=service,${this.suffix}
objectClass: organizationalUnit
ou: service

dn: ${this.bindDn}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: roster
userPassword: ${this.bindPassword}

`;
  }
}

class SlapdExited extends Error {}

/** An LDIF entry of a person; `ad` adds the AD attributes (objectGUID as raw bytes, userAccountControl). */
export function personLdif(
  dn: string,
  person: { uid: string; mail?: string; givenName?: string; sn: string; displayName?: string; upn?: string },
  ad?: { objectGuid: Buffer; userAccountControl: number },
): string {
  const lines = [`dn: ${dn}`, 'objectClass: inetOrgPerson'];
  if (ad || person.upn) lines.push('objectClass: rosterTestAdAccount');
  lines.push(`uid: ${person.uid}`, `cn: ${person.givenName ?? person.uid} ${person.sn}`, `sn: ${person.sn}`);
  if (person.givenName) lines.push(`givenName: ${person.givenName}`);
  if (person.displayName) lines.push(`displayName: ${person.displayName}`);
  if (person.mail) lines.push(`mail: ${person.mail}`);
  if (person.upn) lines.push(`userPrincipalName: ${person.upn}`);
  if (ad) lines.push(`objectGUID:: ${ad.objectGuid.toString('base64')}`, `userAccountControl: ${ad.userAccountControl}`);
  return lines.join('\n') + '\n\n';
}

/** An LDIF group entry: groupOfNames by default (needs a member), AD's `group` with `ad`. */
export function groupLdif(dn: string, name: string, members: string[], options: { ad?: boolean; description?: string } = {}): string {
  const lines = [`dn: ${dn}`, `objectClass: ${options.ad ? 'group' : 'groupOfNames'}`, `cn: ${name}`];
  if (options.description) lines.push(`description: ${options.description}`);
  for (const member of members) lines.push(`member: ${member}`);
  return lines.join('\n') + '\n\n';
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for slapd). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway CA, a server certificate it signs (localhost, 127.0.0.1), and an unrelated second CA. */
async function makeCertificates(dir: string): Promise<TestCertificates> {
  const file = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const name of ['ca', 'other-ca']) {
    await run('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=Roster test ${name}`,
    ]);
  }
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  ]);
  return { ca: await readFile(file('ca.crt'), 'utf8'), otherCa: await readFile(file('other-ca.crt'), 'utf8') };
}
