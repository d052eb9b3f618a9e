import { timeZones } from "../../core/platform/i18n";

/**
 * The time zone picker (sign-up and settings): every IANA zone the runtime knows, so a name that
 * is offered is always one the server accepts. `auto` adds a first, empty choice: the location's
 * usual zone, decided on the server once the location is known (the form works without JS).
 */
export function TimeZoneSelect(props: { id?: string; value: string; auto?: string }) {
  return (
    <select name="timeZone" id={props.id}>
      {props.auto ? (
        <option value="" selected={!props.value}>
          {props.auto}
        </option>
      ) : null}
      {timeZones().map((z) => (
        <option value={z} selected={z === props.value}>
          {z}
        </option>
      ))}
    </select>
  );
}
