// Must be the first import of every panel: zod decides at schema construction whether to compile
// parsers with `new Function`, and probing for eval is itself reported as a CSP violation under
// the panels' policy. Jitless zod never probes.
import { z } from 'zod';

z.config({ jitless: true });
