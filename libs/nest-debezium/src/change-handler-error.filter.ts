import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a change handler's exception to the transport unchanged. Nest's default RPC filter
 * replaces any error that is not an `RpcException` with `{ status: 'error' }`, which would lose
 * whether it is retriable; `@OnChange` applies this filter, or apply it with `@UseFilters`.
 */
@Catch()
export class ChangeHandlerErrorFilter implements RpcExceptionFilter {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
