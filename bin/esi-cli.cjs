#!/usr/bin/env node
'use strict';
require('../dist/esi-cli.cjs');
