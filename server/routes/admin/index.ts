import type { FastifyInstance } from 'fastify';
import adminPlugin from '../../plugins/admin.js';
import accountRoutes from './auth.js';
import auditRoutes from './audit.js';
import campaignRoutes from './campaigns.js';
import consultationRoutes from './consultations.js';
import eventRoutes from './events.js';
import dashboardRoutes from './dashboard.js';
import editionRoutes from './editions.js';
import importRoutes from './imports.js';
import itemRoutes from './items.js';
import listRoutes from './lists.js';
import mailRoutes from './mail.js';
import mailTextRoutes from './mail-texts.js';
import multiplierRoutes from './multipliers.js';
import organisationRoutes from './organisation.js';
import subscriberRoutes from './subscribers.js';
import segmentRoutes from './segments.js';
import taxonomyRoutes from './taxonomy.js';
import tokenRoutes from './tokens.js';
import userRoutes from './users.js';
import attendanceRoutes from './attendance.js';
import indicatorRoutes from './indicators.js';

/** The admin UI under /admin: one guard (session, role, CSRF) for every page. */
export default async function adminRoutes(app: FastifyInstance) {
  await app.register(adminPlugin);
  await app.register(accountRoutes);
  await app.register(dashboardRoutes);
  await app.register(userRoutes);
  await app.register(tokenRoutes);
  await app.register(auditRoutes);
  await app.register(mailTextRoutes);
  await app.register(editionRoutes);
  await app.register(itemRoutes);
  await app.register(campaignRoutes);
  await app.register(organisationRoutes);
  await app.register(importRoutes);
  await app.register(consultationRoutes);
  await app.register(eventRoutes);
  await app.register(subscriberRoutes);
  await app.register(listRoutes);
  await app.register(segmentRoutes);
  await app.register(taxonomyRoutes);
  await app.register(multiplierRoutes);
  await app.register(attendanceRoutes);
  await app.register(indicatorRoutes);
  if (!app.config.production) await app.register(mailRoutes);
}
