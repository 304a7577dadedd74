import type { ComponentStatus } from '../store/index.js';
import { severityOf, worseOf } from './component-status.js';

/** How long a change must hold before it is published (DESIGN.md §7: enter after 2 bad minutes, leave after 5 good). */
export interface HysteresisOptions {
  /** A worse status is published once it has held this long, in ms. */
  enterMs: number;
  /** A better status is published once it has held this long, in ms. */
  leaveMs: number;
}

/**
 * Turns the raw status measured at each evaluation into the published one, so a flapping host
 * changes the status page at most once per period instead of at every flap.
 */
export class StatusHysteresis {
  private published: ComponentStatus = 'operational';
  private worseSince: number | null = null;
  /** The least bad status held continuously since `worseSince`: what may be published. */
  private worseLevel: ComponentStatus = 'operational';
  private betterSince: number | null = null;
  /** The worst status seen since `betterSince`. */
  private betterLevel: ComponentStatus = 'operational';

  constructor(private readonly options: HysteresisOptions) {}

  /** The published status. */
  get current(): ComponentStatus {
    return this.published;
  }

  /** Feeds the raw status at `now`; returns the published status. */
  update(raw: ComponentStatus, now: number): ComponentStatus {
    const rawSeverity = severityOf(raw);
    const publishedSeverity = severityOf(this.published);
    if (rawSeverity > publishedSeverity) {
      this.betterSince = null;
      if (this.worseSince === null) {
        this.worseSince = now;
        this.worseLevel = raw;
      } else if (rawSeverity < severityOf(this.worseLevel)) {
        this.worseLevel = raw;
      }
      if (now - this.worseSince >= this.options.enterMs) {
        this.published = this.worseLevel;
        this.worseSince = null;
      }
    } else if (rawSeverity < publishedSeverity) {
      this.worseSince = null;
      if (this.betterSince === null) {
        this.betterSince = now;
        this.betterLevel = raw;
      } else {
        this.betterLevel = worseOf(this.betterLevel, raw);
      }
      if (now - this.betterSince >= this.options.leaveMs) {
        this.published = this.betterLevel;
        this.betterSince = null;
      }
    } else {
      this.worseSince = null;
      this.betterSince = null;
    }
    return this.published;
  }
}
