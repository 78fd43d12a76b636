// Command-line front of the engine.
process.stdout.write('qemu-disk-tools: not yet\n');
