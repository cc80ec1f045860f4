// zod/mini ships without messages ("Invalid input"); load the English ones once so a 400 or a
// config error names what is wrong. Messages never include the offending value.

import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
