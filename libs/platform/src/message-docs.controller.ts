import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { asyncApiDocument } from '@app/contracts';
import { PROVINCE_CODES } from '@app/domain';
import { dump } from 'js-yaml';
import { Public } from './auth/auth.guard';

/**
 * The exchange's AsyncAPI 3 document, generated from the message catalog, for provinces writing
 * their own producers and consumers (public, like /api/docs). It lists the queues of every
 * province: the exchange is national even when this node serves a few provinces.
 */
@ApiExcludeController()
@Public()
@Controller('api/docs')
export class MessageDocsController {
  private document?: Record<string, unknown>;
  private yaml?: string;

  private get doc(): Record<string, unknown> {
    return (this.document ??= asyncApiDocument({ provinces: PROVINCE_CODES }));
  }

  @Get('messages')
  json(): Record<string, unknown> {
    return this.doc;
  }

  @Get('messages.yaml')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  yamlDocument(): string {
    return (this.yaml ??= dump(this.doc, { noRefs: true, lineWidth: 120 }));
  }
}
