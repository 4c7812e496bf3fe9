// Loads every module that registers expression functions (kernels/expr-functions.ts), so any thread that
// evaluates expressions knows them all: evaluate.ts imports this file.

import './strings.ts';
import './dates.ts';
import './cleaning.ts';
import './cast.ts';
import './map-udf.ts';
