import { Controller, Get } from '@nestjs/common';
import { ConsistencyMonitor, type ConsistencyStatus } from '../consistency/consistency-monitor.js';

/** `GET /admin/consistency`: the online checker's counts and nines per window (read-only). */
@Controller('admin')
export class ConsistencyController {
  constructor(private readonly monitor: ConsistencyMonitor) {}

  @Get('consistency')
  consistency(): ConsistencyStatus {
    return this.monitor.status();
  }
}
