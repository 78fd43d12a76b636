// The names a directory walk picks up (isCandidateName) and the glob the editor's Lint Workspace
// searches with (CANDIDATE_GLOB) are two spellings of one list: the glob must find every name
// the walk takes, or Lint Workspace misses files the CLI lints (as it once missed shell scripts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { CANDIDATE_GLOB, isCandidateName } from '../../src/cli/files';

const NAMES = [
  'web01.xml', 'nova.conf', 'nova.conf.sample', 'nova.conf.j2', 'nova.conf.erb', 'nova-compute.ini', 'storage.cfg', 'vm.cfg.tmpl',
  'build.sh', 'build.bash', 'qemu@.service', 'vm.service.sample', 'images.mk', 'Makefile', 'makefile', 'GNUmakefile',
  'Dockerfile', 'Containerfile', 'build.dockerfile', 'base.containerfile', 'vm.pkr.hcl', 'vm.pkr.json', 'convert.py',
  'site.yml', 'vm.yaml', 'vm.yaml.tpl', 'values.yaml.helmtpl', 'vm.yaml.jinja2',
  // Not candidates, whatever the glob says.
  'README.md', 'package.json', 'notes.txt', 'main.go',
];

test('CANDIDATE_GLOB finds every name isCandidateName accepts', () => {
  const taken = NAMES.filter(isCandidateName);
  assert.ok(taken.length >= 25, 'the list exercises most kinds');
  for (const name of taken) assert.ok(path.matchesGlob(`ws/sub/${name}`, CANDIDATE_GLOB), `${name}: the walk takes it, the glob misses it`);
  assert.deepEqual(NAMES.filter((n) => !isCandidateName(n)), ['README.md', 'package.json', 'notes.txt', 'main.go']);
});
