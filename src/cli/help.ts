// Help texts. Exit codes are part of the interface: CI scripts branch on them.

export const MAIN_HELP = `Usage: qemu-disk-tools <command> [options]

Commands:
  lint [paths|globs...]      check disk cache settings: libvirt domain XML, nova.conf,
                             Proxmox VM configs, KubeVirt VirtualMachine YAML,
                             QEMU/qemu-img command lines in shell scripts,
                             and (--connect URI) the domains defined on libvirt hosts
  convert SRC TARGET         convert a disk image with qemu-img, safely
  inspect IMAGE              show an image's format and whether it is safe to open

Run 'qemu-disk-tools <command> --help' for a command's options.
  --help, -h     this text
  --version      the version
`;

export const LINT_HELP = `Usage: qemu-disk-tools lint [options] <path|glob>...
       qemu-disk-tools lint [options] --connect URI [--connect URI]... [<path|glob>...]

Checks the disk cache settings of libvirt domain XML files, Nova configuration files, the
QEMU and qemu-img command lines of shell scripts, systemd units (Exec*= lines), Makefile
recipes, Dockerfile RUN/CMD/ENTRYPOINT lines, argument lists in Python code and Ansible
command/shell tasks, Packer templates with the QEMU builder, Proxmox VE VM configs
(qemu-server/<vmid>.conf), and KubeVirt VirtualMachine, VirtualMachineInstance,
VirtualMachinePool and VirtualMachineInstanceReplicaSet YAML.
Directories are searched recursively for *.xml, *.conf, *.ini, *.cfg (and their .j2, .erb,
.tmpl templates), *.sh, *.bash, *.service, Makefile, GNUmakefile, *.mk, Dockerfile,
Containerfile, *.dockerfile, *.pkr.hcl, *.pkr.json, *.py, *.yml and *.yaml, skipping
node_modules and .git; a script known only by its #! line, or a legacy Packer *.json
template, is read when named.
Quote globs ('**/*.xml') so the shell does not expand them. Which rules apply to a file is
decided from its content and name.

Options:
  -f, --format FORMAT   text (default): file:line:col severity rule message
                        json: findings with 0-based line/character (UTF-16) and offsets
                        sarif: SARIF 2.1.0 for GitHub code scanning
  -o, --output FILE     write the report to FILE instead of standard output
  --level LEVEL         report findings at LEVEL or above: error, warning, info or hint.
                        Default: info for text (hints are left out, the summary counts
                        them), hint for json and sarif (hints are SARIF 'note')
  --fix                 apply the preferred fix of each finding at warning or error level
                        in place (atomically), re-checking until none is left; info and
                        hint findings are advice and are never fixed automatically. Then
                        report what is left
  --rule RULE=SEVERITY  set a rule's severity: error, warning, info, hint or off (repeatable)
  -c, --config FILE     read rule settings from FILE instead of the nearest
                        .qemu-disk-tools.json in the working directory or a parent:
                          { "rules": { "cache-writethrough": "error", "migration-cache": "off" } }
                        (--rule wins over the file)
  --no-config           ignore .qemu-disk-tools.json
  --connect URI         also lint every domain defined on this libvirt connection, running
                        or not (qemu:///system, qemu+ssh://root@host/system, any URI virsh
                        takes; repeat it for a fleet). Read-only: virsh --readonly reads each
                        domain's persistent XML (dumpxml --inactive, what the next start
                        uses); findings are at URI/domain:line:col and each fix is printed as
                        the virt-xml command that applies it. Not with --fix. virsh must be
                        installed; ssh must log in without a password prompt
  -h, --help            this text

Suppress one finding with a comment on the line before it:
  <!-- qdt-disable-next-line cache-unsafe: reason -->      (XML)
  # qdt-disable-next-line nova-cachemodes-unsafe -- reason    (nova.conf, Proxmox VM config, shell)

Exit status:
  0  no finding at error level (warnings, info and hints do not fail the run)
  1  at least one finding at error level
  2  usage error, bad config, a file that could not be read or is not text (binary), or
     a libvirt connection or domain that could not be read; the other files and hosts
     are still checked and reported
  130  with --connect: interrupted by Ctrl+C (SIGINT), 143 by SIGTERM; every virsh (and
       the ssh it started) is stopped and no report is written
`;

export const CONVERT_HELP = `Usage: qemu-disk-tools convert [options] SRC TARGET

Converts a disk image with qemu-img. The source is inspected first and refused if it is
unsafe to open (e.g. a backing file or data file pointing elsewhere, a VMDK that names host
files). The output is written to TARGET.part, flushed to disk, then renamed to TARGET.

Options:
  --from FORMAT          the source format (raw, qcow2, vmdk, vpc, vhdx, vdi...); checked
                         against the content. Default: what the inspector finds.
  --to FORMAT            raw, qcow2, vmdk, vdi, vhdx or vpc. Default: from TARGET's extension
                         (.raw/.img, .qcow2, .vmdk, .vdi, .vhdx, .vhd/.vpc)
  --for DEST             write what a cloud's image import accepts, checked before the rename:
                           azure      fixed VHD, virtual size rounded up to a whole MiB
                           aws        streamOptimized VMDK (VM Import/Export)
                           gcp        disk.raw rounded up to a whole GiB in a gzip'd oldgnu
                                      tar (name TARGET *.tar.gz)
                           openstack  qcow2 for Glance
                         Sizes are rounded on a temporary raw copy, never on the source.
  --compress             compress (qcow2; vmdk with --subformat streamOptimized)
  --compression TYPE     qcow2: zstd (default where qemu-img has it; several times faster)
                         or zlib (for readers older than QEMU 5.1 or built without zstd);
                         implies --compress. zstd asked for but unavailable: refused
  --preallocation MODE   raw: off, falloc or full; qcow2: off, metadata, falloc or full
  --subformat S          vmdk: monolithicSparse (default) or streamOptimized;
                         vhdx, vpc: dynamic (default) or fixed
  --force                replace TARGET if it exists
  --allow-backing-file   accept a source with a backing file (off by default)
  --allow-text           convert a source whose content looks like text as raw (refused
                         by default: a text file named .img is rarely a disk)
  --qemu-img PATH        the qemu-img to run (default: qemu-img on PATH)
  -v, --verbose          log the qemu-img command line, the cache choice and its stderr
  -h, --help             this text

Before writing, 'qemu-img measure' gives the space the output (and any temporary copy)
needs; with too little free space on the target's filesystem the conversion is refused.

Progress goes to standard error: a bar on a terminal, a line every 10% otherwise.
Ctrl+C (or SIGTERM) cancels: qemu-img is stopped and the partial TARGET.part removed. A
second Ctrl+C quits at once and may leave TARGET.part behind.

Exit status:
  0    converted
  1    refused (unsafe or mismatched source, text without --allow-text, TARGET exists
       without --force) or failed
  2    usage error (including options that do not fit the target format)
  130  interrupted by Ctrl+C (SIGINT); 143 by SIGTERM
`;

export const INSPECT_HELP = `Usage: qemu-disk-tools inspect [options] IMAGE

Reads an image's headers (without running anything on it) the way QEMU reads them and says what
format it is and whether it is safe to give to qemu-img; then, if it is, what 'qemu-img info'
reports, run on the same open file. 'safe to open: yes' means both agree that the image names no
other file (backing file, data file, extent, parent).

Options:
  --from FORMAT     the format you expect; a mismatch is reported as a refusal
  --json            machine-readable output
  --qemu-img PATH   the qemu-img to run (default: qemu-img on PATH)
  -h, --help        this text

Exit status:
  0  inspected, nothing unsafe found
  1  the image is refused (unsafe to open), could not be inspected, or qemu-img info failed
  2  usage error
`;
