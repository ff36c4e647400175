import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform';
import { ApiOpsAccess } from '../common/api-docs';
import { NationalStatsView } from './dto/national-stats.view';
import { NationalStatsService } from './national-stats.service';
import type { NationalStats } from './national-stats.types';

/**
 * The national figures, served by the national operations node only: the sum of the statistics
 * snapshots the provinces publish (signed, each by its own province), and how fresh each one is.
 */
@ApiTags('ops')
@ApiOpsAccess()
@Roles('ops', 'auditor')
@Controller('api/v1/ops/national')
export class NationalController {
  constructor(private readonly national: NationalStatsService) {}

  @Get()
  @ApiOperation({
    summary:
      "National totals from the provinces' statistics snapshots, and each province's freshness",
    description:
      "Served by the national operations node (an ops or all-in-one node with OPS_NATIONAL=true). Each province's intake publishes a signed snapshot of the cases it holds as the residence side; this node keeps the newest of each province and sums them, never reading a province's database. `provinces` says how old each one is; `missing` lists provinces not heard from.",
  })
  @ApiOkResponse({ type: NationalStatsView })
  get(): Promise<NationalStats> {
    return this.national.national();
  }
}
