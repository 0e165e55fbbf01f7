/** Colours and labels. Every role has a text label, so the transcript reads right without colour. */
import type { Role } from "../chat/types.js";

export interface RoleStyle {
  label: string;
  color: string;
}

export const ROLE_STYLES: Record<Role, RoleStyle> = {
  user: { label: "you", color: "cyan" },
  assistant: { label: "assistant", color: "green" },
  system: { label: "system", color: "magenta" },
  tool: { label: "tool", color: "yellow" },
};

export const theme = {
  error: "red",
  accent: "cyan",
  muted: "gray",
  marker: "yellow",
  prompt: "cyan",
} as const;
