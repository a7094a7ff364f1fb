#!/usr/bin/env node
'use strict';
require('../../bin/esi-cli.cjs');
