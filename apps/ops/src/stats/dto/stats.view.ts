import { ApiProperty } from '@nestjs/swagger';
import { ANY_CASE_STATUSES, CaseKind } from '@app/workflow';
import { CaseRowView } from '../../cases/dto/case-row.view';
import type {
  BreachStats,
  DailyStats,
  DayCount,
  DeadlineBreach,
  DeadlineKey,
  Overview,
  PairCount,
  PairStats,
  ServiceCount,
  RegionCount,
  RegionStats,
  Scoped,
  StageTime,
  StageTimeStats,
  StatusCount,
  StatusStats,
} from '../stats.types';

/** OpenAPI shapes of the ops figures (stats.types.ts); `implements` keeps them in step. */
export class ScopedView implements Scoped {
  @ApiProperty({ format: 'date-time', description: 'When the snapshot was read' }) asOf!: string;
  @ApiProperty({ type: String, nullable: true, description: 'null: every province' })
  province!: string | null;
}

export class StatusCountView implements StatusCount {
  @ApiProperty({ enum: ANY_CASE_STATUSES }) status!: string;
  @ApiProperty() zh!: string;
  @ApiProperty({ type: 'integer', description: 'Cases now in this status' }) count!: number;
  @ApiProperty({ type: 'integer', description: 'Cases that ever entered it' }) reached!: number;
}

export class FunnelStepView {
  @ApiProperty({ enum: ANY_CASE_STATUSES }) status!: string;
  @ApiProperty() zh!: string;
  @ApiProperty({ type: 'integer' }) reached!: number;
}

export class ServiceCountView implements ServiceCount {
  @ApiProperty({ enum: Object.values(CaseKind), description: 'The kind of case' })
  service!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
  @ApiProperty({ type: 'integer' }) refused!: number;
  @ApiProperty({ type: 'integer' }) cancelled!: number;
}

export class StatusStatsView extends ScopedView implements StatusStats {
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: [StatusCountView] }) statuses!: StatusCountView[];
  @ApiProperty({
    type: [ServiceCountView],
    description: 'Cases per service (kind of case): both workflows of the engine',
  })
  services!: ServiceCountView[];
  @ApiProperty({
    type: [FunnelStepView],
    description: 'The main path, with cases reaching each step',
  })
  funnel!: FunnelStepView[];
}

export class PairCountView implements PairCount {
  @ApiProperty() residenceProvince!: string;
  @ApiProperty() residenceProvinceName!: string;
  @ApiProperty() hukouProvince!: string;
  @ApiProperty() hukouProvinceName!: string;
  @ApiProperty() region!: string;
  @ApiProperty() regionName!: string;
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
  @ApiProperty({ type: 'integer' }) refused!: number;
  @ApiProperty({ type: 'integer' }) cancelled!: number;
}

export class PairStatsView extends ScopedView implements PairStats {
  @ApiProperty({ type: [PairCountView] }) pairs!: PairCountView[];
}

export class RegionCountView implements RegionCount {
  @ApiProperty() region!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) provinces!: string[];
  @ApiProperty({ type: 'integer' }) total!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
}

export class RegionStatsView extends ScopedView implements RegionStats {
  @ApiProperty({ description: 'Revision of the pilot schedule the regions come from' })
  schedule!: string;
  @ApiProperty({ type: [RegionCountView] }) regions!: RegionCountView[];
}

export class DayCountView implements DayCount {
  @ApiProperty({ format: 'date' }) date!: string;
  @ApiProperty({ type: 'integer' }) intake!: number;
  @ApiProperty({ type: 'integer' }) cumulative!: number;
  @ApiProperty({ type: 'integer' }) delivered!: number;
}

export class DailyStatsView extends ScopedView implements DailyStats {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty({ type: 'integer' }) before!: number;
  @ApiProperty({ type: 'integer' }) cumulativeTotal!: number;
  @ApiProperty({ type: [DayCountView] }) days!: DayCountView[];
}

export class StageTimeView implements StageTime {
  @ApiProperty({ enum: ANY_CASE_STATUSES }) status!: string;
  @ApiProperty() zh!: string;
  @ApiProperty({ type: 'integer' }) completed!: number;
  @ApiProperty({ type: Number, nullable: true }) medianSeconds!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p90Seconds!: number | null;
  @ApiProperty({ type: 'integer' }) current!: number;
  @ApiProperty({ type: Number, nullable: true }) oldestCurrentSeconds!: number | null;
}

export class StageTimeStatsView extends ScopedView implements StageTimeStats {
  @ApiProperty({
    enum: ['exact', 'histogram'],
    description: 'How the percentiles were computed: exact, or from the 1 %-wide histogram buckets',
  })
  percentiles!: 'exact' | 'histogram';
  @ApiProperty({ type: [StageTimeView] }) stages!: StageTimeView[];
}

export class DeadlineBreachView implements DeadlineBreach {
  @ApiProperty({ enum: ['review', 'promise', 'statutory'] }) deadline!: DeadlineKey;
  @ApiProperty() title!: string;
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'integer' }) open!: number;
  @ApiProperty({ type: 'integer' }) flagged!: number;
  @ApiProperty({ type: [CaseRowView] }) cases!: CaseRowView[];
}

export class BreachStatsView extends ScopedView implements BreachStats {
  @ApiProperty({ type: [DeadlineBreachView] }) deadlines!: DeadlineBreachView[];
}

export class OverviewView extends ScopedView implements Overview {
  @ApiProperty({ type: StatusStatsView }) statuses!: StatusStatsView;
  @ApiProperty({ type: PairStatsView }) pairs!: PairStatsView;
  @ApiProperty({ type: RegionStatsView }) regions!: RegionStatsView;
  @ApiProperty({ type: DailyStatsView }) daily!: DailyStatsView;
  @ApiProperty({ type: StageTimeStatsView }) stageTimes!: StageTimeStatsView;
  @ApiProperty({ type: BreachStatsView }) breaches!: BreachStatsView;
}
