// zod/mini ships without messages, so load the English ones (never echoing a value); jitless,
// because compiling schemas with `new Function` cost ~7 ms of cold start for no warm gain.

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config({ ...en(), jitless: true });
