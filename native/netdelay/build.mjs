// Builds tm-netdelay (netdelay.c), the packet delayer that `simulate --hosts N --latency …` uses
// where the kernel has no tc netem. Run by the root package's `install` script after the bignum
// addon. It needs a C compiler and libnetfilter-queue's headers (Debian: libnetfilter-queue-dev,
// with iptables to steer packets to it; .ci/run installs both); without them nothing is built,
// this says why, and the simulation refuses --latency and --loss with that reason (everything
// else works).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'tm-netdelay');
if (process.platform !== 'linux') process.exit(0);
if (!existsSync('/usr/include/libnetfilter_queue/libnetfilter_queue.h')) {
  console.warn('[tallymesh] tm-netdelay not built: libnetfilter-queue headers missing (apt-get install libnetfilter-queue-dev); simulate --latency needs it or tc netem');
  process.exit(0);
}
mkdirSync(dirname(out), { recursive: true });
const cc = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', out, join(here, 'netdelay.c'), '-lnetfilter_queue'], { stdio: 'inherit' });
if (cc.status !== 0) console.warn('[tallymesh] tm-netdelay did not build (see above); simulate --latency needs it or tc netem');
