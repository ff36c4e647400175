import { Module } from '@nestjs/common';
import { NationalController } from './national.controller';
import { NationalStatsService } from './national-stats.service';
import { SnapshotsHandler } from './snapshots.handler';

/** The national operations node: the provinces' snapshots in, the national figures out. */
@Module({
  controllers: [SnapshotsHandler, NationalController],
  providers: [NationalStatsService],
})
export class NationalModule {}
