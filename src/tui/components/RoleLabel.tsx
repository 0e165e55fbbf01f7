import { Text } from "ink";
import type { Role } from "../../chat/types.js";
import { ROLE_STYLES } from "../theme.js";

export function RoleLabel({ role }: { role: Role }) {
  const style = ROLE_STYLES[role];
  return (
    <Text bold color={style.color}>
      {style.label}
    </Text>
  );
}
