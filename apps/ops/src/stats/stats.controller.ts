import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, Caller, CurrentCaller, Roles } from '@app/platform';
import { ApiOpsAccess } from '../common/api-docs';
import { ProvinceScopeQuery, scopedProvince } from '../common/scope';
import { BreachQuery, DailyQuery, OverviewQuery } from './dto/stats-query.dto';
import {
  BreachStatsView,
  DailyStatsView,
  OverviewView,
  PairStatsView,
  RegionStatsView,
  StageTimeStatsView,
  StatusStatsView,
} from './dto/stats.view';
import { StatsService } from './stats.service';
import type {
  BreachStats,
  DailyStats,
  Overview,
  PairStats,
  RegionStats,
  StageTimeStats,
  StatusStats,
} from './stats.types';

/**
 * Case figures for operations, read from intake's case records (PostgreSQL), never from queue
 * events. National: every province unless `?province=` narrows it. No personal data; a listed
 * case shows a masked ID number only.
 */
@ApiTags('ops')
@ApiOpsAccess()
@ApiErrors({
  400: 'A query parameter is malformed or out of range (province, from, to, limit); details name it',
})
@Roles('ops', 'auditor')
@Controller('api/v1/ops/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('overview')
  @ApiOperation({
    summary: 'Every figure of the dashboard from one snapshot',
    description:
      'statuses + funnel, province pairs, pilot regions, intake per day with cumulative totals, time in each stage, deadline breaches.',
  })
  @ApiOkResponse({ type: OverviewView })
  overview(@CurrentCaller() caller: Caller, @Query() query: OverviewQuery): Promise<Overview> {
    return this.stats.overview(
      scopedProvince(caller, query),
      { from: query.from, to: query.to },
      query.limit ?? 20,
    );
  }

  @Get('statuses')
  @ApiOkResponse({ type: StatusStatsView })
  @ApiOperation({
    summary: 'Cases by current status, and how many ever reached each status (the funnel)',
  })
  statuses(
    @CurrentCaller() caller: Caller,
    @Query() query: ProvinceScopeQuery,
  ): Promise<StatusStats> {
    return this.stats.statuses(scopedProvince(caller, query));
  }

  @Get('province-pairs')
  @ApiOkResponse({ type: PairStatsView })
  @ApiOperation({
    summary: 'Cases by residence → hukou province pair, with province names and pilot region',
  })
  pairs(@CurrentCaller() caller: Caller, @Query() query: ProvinceScopeQuery): Promise<PairStats> {
    return this.stats.pairs(scopedProvince(caller, query));
  }

  @Get('regions')
  @ApiOkResponse({ type: RegionStatsView })
  @ApiOperation({
    summary:
      'Cases by pilot region (京津冀, 长三角, 闽赣, 粤湘, 川渝黔 from the pilot schedule, then other)',
    description:
      'A case belongs to a region when its residence and hukou provinces are both in it; anything else is "other".',
  })
  regions(
    @CurrentCaller() caller: Caller,
    @Query() query: ProvinceScopeQuery,
  ): Promise<RegionStats> {
    return this.stats.regionStats(scopedProvince(caller, query));
  }

  @Get('daily')
  @ApiOkResponse({ type: DailyStatsView })
  @ApiOperation({
    summary:
      'Cases taken in per day (intake date) with the cumulative total, and cards delivered per day',
    description:
      'cumulativeTotal is "截至 <to> 累计办理 N 件": every case with an intake date up to `to`, including those before `from`.',
  })
  daily(@CurrentCaller() caller: Caller, @Query() query: DailyQuery): Promise<DailyStats> {
    return this.stats.daily(scopedProvince(caller, query), { from: query.from, to: query.to });
  }

  @Get('stage-times')
  @ApiOkResponse({ type: StageTimeStatsView })
  @ApiOperation({
    summary:
      'Time spent in each status: median and p90 (percentile_cont) of completed stays, from the timeline',
  })
  stageTimes(
    @CurrentCaller() caller: Caller,
    @Query() query: ProvinceScopeQuery,
  ): Promise<StageTimeStats> {
    return this.stats.stageTimes(scopedProvince(caller, query));
  }

  @Get('breaches')
  @ApiOkResponse({ type: BreachStatsView })
  @ApiOperation({
    summary:
      'Cases past the 5-day review, the 20-working-day promise and the 60-day statutory limit',
  })
  breaches(@CurrentCaller() caller: Caller, @Query() query: BreachQuery): Promise<BreachStats> {
    return this.stats.breaches(scopedProvince(caller, query), query.limit ?? 20);
  }
}
